// The webhooks' version, which caches of webhooks in every process compare (webhook-spec.ts):
// a setting every webhook write bumps in its transaction, then a fingerprint of the webhook
// tables for a write that did not. Portable SQL, run by both dialects.

/** The setting every webhook write bumps (bumpWebhookVersion). */
export const WEBHOOK_VERSION_KEY = "webhook_version";

/** The webhooks' version: the setting, then a fingerprint of the tables (portable SQL). */
export const WEBHOOK_VERSION_SQL = `SELECT
  coalesce((SELECT value FROM setting WHERE key = '${WEBHOOK_VERSION_KEY}'), '') || '|' ||
  (SELECT coalesce(max(modified), 0) || ':' || count(*) FROM webhook) || '|' ||
  (SELECT coalesce(max(id), 0) || ':' || count(*) FROM webhook_header) || '|' ||
  (SELECT coalesce(max(id), 0) || ':' || count(*) FROM webhook_data) AS v`;
