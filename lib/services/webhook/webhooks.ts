import "server-only";
// The Webhook document's service verbs. Each checks the System Manager role first, parses
// with the shared schema, runs one transaction (`tx`) and returns plain data without
// secrets (only has_webhook_secret / has_api_key).
import { and, asc, desc, eq, gt, lt } from "drizzle-orm";
import type { z } from "zod";
import { changes, getDb, tx, type DB } from "@/db";
import { version, webhook, webhookData, webhookHeader } from "@/db/schema";
import { requireManager, type Actor } from "@/lib/auth/roles";
import { encryptSecret } from "@/lib/crypto/secret-box";
import { AppError, notFound } from "@/lib/errors";
import { loadWebhook, toColumns, type WebhookDoc } from "./webhook-doc";
import { recordCredentialWrites } from "./webhook-secret";
import {
  bumpWebhookVersion,
  cancelWebhook,
  holdWebhook,
  invalidateWebhookCache,
  notifyDeliveriesQueued,
  releaseWebhook,
} from "@/lib/delivery";
import { healthOf, resetHealth } from "@/lib/delivery/health-store";
import { validateWebhook } from "./webhook-validate";
import { webhookDiff } from "./webhook-versions";
import { WEBHOOK_LABELS, normalizeWebhookInput, webhookSchema, type WebhookHealthView, type WebhookValues } from "./webhook.schema";

export { listWebhooks } from "./webhook-list";
export { previewWebhook, doctypeFieldOptions, searchDocuments, webhookDoctypes } from "./webhook-preview";
export { listVersions } from "./webhook-versions";
export { type WebhookDoc, type WebhookSummary } from "./webhook-doc";

export async function getWebhook(actor: Actor | null, name: string, db = getDb()): Promise<WebhookDoc> {
  requireManager(actor);
  const found = await loadWebhook(db, name);
  if (!found) throw notFound(`Webhook ${name}`);
  return found.doc;
}

/**
 * Schema failures as the form shows them: one message per top-level field, worded with the
 * field's label (Frappe's messages, e.g. "Same Field is entered more than once", as they are).
 */
function validationError(error: z.ZodError): AppError {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? "_");
    const label = WEBHOOK_LABELS[field];
    const row = typeof issue.path[1] === "number" ? `Row #${issue.path[1] + 1}: ` : "";
    const own = issue.code === "custom" || !label || issue.message.includes(label);
    fields[field] ??= own ? `${row}${issue.message}` : `${row}${label}: ${issue.message}`;
  }
  return new AppError("VALIDATION_ERROR", Object.values(fields)[0] ?? "Invalid input", fields);
}

/**
 * Frappe's set_only_once: DocType and Doc Event are fixed once the webhook is saved. Sending
 * the stored value again is fine (clients echo a GET body back). Webhook Events (seed 004's
 * extra events) stay editable: they add routes, the webhook's own DocType and event stay.
 */
const SET_ONCE = { webhook_doctype: "DocType", webhook_docevent: "Doc Event" } as const;

function checkSetOnce(before: WebhookDoc, v: WebhookValues): void {
  const fields: Record<string, string> = {};
  for (const [field, label] of Object.entries(SET_ONCE) as [keyof typeof SET_ONCE, string][]) {
    if (v[field] !== before[field]) fields[field] = `Cannot change ${label} after saving`;
  }
  const first = Object.values(fields)[0];
  if (first) throw new AppError("VALIDATION_ERROR", first, fields);
}

function parse(input: unknown): WebhookValues {
  const parsed = webhookSchema.safeParse(normalizeWebhookInput(input));
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

/**
 * The stored ciphertext after a write. `undefined` input keeps the stored value; "" clears
 * it unless the feature that needs it stays on; anything else replaces it.
 */
function nextSecret(input: string | undefined, stored: string | null, keepIfBlank: boolean): string | null {
  if (input === undefined) return stored;
  if (input.trim() === "") return keepIfBlank ? stored : null;
  return encryptSecret(input);
}

async function writeChildren(t: DB, name: string, v: WebhookValues): Promise<void> {
  await t.delete(webhookHeader).where(eq(webhookHeader.parent, name));
  await t.delete(webhookData).where(eq(webhookData.parent, name));
  if (v.webhook_headers.length)
    await t.insert(webhookHeader).values(v.webhook_headers.map((h, i) => ({ parent: name, idx: i + 1, key: h.key, value: h.value })));
  if (v.webhook_data.length)
    await t.insert(webhookData).values(v.webhook_data.map((d, i) => ({ parent: name, idx: i + 1, fieldname: d.fieldname, key: d.key })));
}

export async function createWebhook(actor: Actor | null, input: unknown, db = getDb()): Promise<WebhookDoc> {
  requireManager(actor);
  const parsed = parse(input);
  const now = Date.now();
  const doc = await tx(
    async (t) => {
      const name = parsed.name;
      await bumpWebhookVersion(t);
      const [taken] = await t.select({ name: webhook.name }).from(webhook).where(eq(webhook.name, name)).limit(1);
      if (taken) {
        throw new AppError("CONFLICT", `Webhook ${name} already exists`, { name: `Webhook ${name} already exists` });
      }
      const v = await validateWebhook(t, parsed, { storedSecret: false });
      const credentials = {
        secret: v.enable_security ? nextSecret(v.webhook_secret, null, false) : null,
        apiKey: nextSecret(v.api_key, null, false),
      };
      await t.insert(webhook).values({
        name,
        ...toColumns(v),
        webhookSecret: credentials.secret,
        apiKey: credentials.apiKey,
        owner: actor.user,
        modifiedBy: actor.user,
        created: now,
        modified: now,
      });
      await writeChildren(t, name, v);
      await recordCredentialWrites(t, actor, name, { secret: null, apiKey: null }, credentials);
      return (await loadWebhook(t, name))?.doc;
    },
    {},
    db,
  );
  invalidateWebhookCache();
  if (!doc) throw new AppError("INTERNAL", "Webhook was not saved");
  return doc;
}

/**
 * Frappe's PUT semantics: the fields sent replace the stored ones (a child table sent
 * replaces the whole table); fields not sent keep their values. The name cannot change.
 */
export async function updateWebhook(actor: Actor | null, name: string, input: unknown, db = getDb()): Promise<WebhookDoc> {
  requireManager(actor);
  const patch = normalizeWebhookInput(input);
  if (!patch || typeof patch !== "object" || Array.isArray(patch))
    throw new AppError("BAD_REQUEST", "Send the webhook's fields as a JSON object");
  const now = Date.now();
  const result = await tx(
    async (t) => {
      const found = await loadWebhook(t, name);
      if (!found) throw notFound(`Webhook ${name}`);
      // Every process's webhook cache sees this write (webhook-spec.ts).
      await bumpWebhookVersion(t);
      const { doc: before, row } = found;
      const merged: Record<string, unknown> = { ...before, ...patch, name };
      for (const k of ["webhook_secret", "api_key"] as const) if (!(k in patch)) delete merged[k];
      const parsed = parse(merged);
      checkSetOnce(before, parsed);
      const v = await validateWebhook(t, parsed, { storedSecret: !!row.webhookSecret });
      const secret = v.enable_security
        ? nextSecret(v.webhook_secret, row.webhookSecret, true)
        : nextSecret(v.webhook_secret, row.webhookSecret, false);
      const apiKey = nextSecret(v.api_key, row.apiKey, false);
      await t
        .update(webhook)
        .set({
          ...toColumns(v),
          webhookSecret: secret,
          // A cleared secret also ends a rotation still signing with the old one.
          ...(secret === null ? { previousSecret: null, previousSecretExpires: null } : {}),
          apiKey,
          modifiedBy: actor.user,
          modified: Math.max(now, row.modified + 1),
        })
        .where(eq(webhook.name, name));
      await writeChildren(t, name, v);
      // Disabling holds its pending deliveries (not sent, not counted); enabling releases them.
      if (row.enabled && !v.enabled) await holdWebhook(t, name, now);
      else if (!row.enabled && v.enabled) {
        await releaseWebhook(t, name, now);
        await resetHealth(t, name, now);
      }
      const after = (await loadWebhook(t, name))?.doc;
      if (!after) throw new AppError("INTERNAL", "Webhook was not saved");
      const diff = webhookDiff(before, after, { secretChanged: secret !== row.webhookSecret, apiKeyChanged: apiKey !== row.apiKey });
      if (diff) await t.insert(version).values({ refDoctype: "Webhook", docname: name, data: diff, owner: actor.user, created: now });
      await recordCredentialWrites(t, actor, name, { secret: row.webhookSecret, apiKey: row.apiKey }, { secret, apiKey });
      return { after, released: !row.enabled && v.enabled };
    },
    {},
    db,
  );
  invalidateWebhookCache();
  if (result.released) notifyDeliveriesQueued();
  return result.after;
}

export async function deleteWebhook(actor: Actor | null, name: string, db = getDb()): Promise<void> {
  requireManager(actor);
  await tx(
    async (t) => {
      const res = await t.delete(webhook).where(eq(webhook.name, name));
      if (changes(res) === 0) throw notFound(`Webhook ${name}`);
      // Every process's webhook cache sees this write (webhook-spec.ts).
      await bumpWebhookVersion(t);
      // Nothing of a deleted webhook is ever sent: its pending requests end Cancelled, now.
      await cancelWebhook(t, name, `Cancelled: the webhook ${name} was deleted`);
      // Its history goes with it, so a new webhook of the same name starts clean.
      await t.delete(version).where(and(eq(version.refDoctype, "Webhook"), eq(version.docname, name)));
    },
    {},
    db,
  );
  invalidateWebhookCache();
}

/** Re-enable (the form's button on a disabled webhook): enabled again, healthy, its held requests released. */
export async function reenableWebhook(actor: Actor | null, name: string, db = getDb()): Promise<WebhookDoc> {
  return updateWebhook(actor, name, { enabled: true }, db);
}

/** The webhook's health as its form shows it. */
export async function getWebhookHealth(actor: Actor | null, name: string, db = getDb(), now = Date.now()): Promise<WebhookHealthView> {
  requireManager(actor);
  const found = await loadWebhook(db, name);
  if (!found) throw notFound(`Webhook ${name}`);
  const h = await healthOf(db, name);
  const { enabled, disableAfter } = found.row;
  const failingSince = h?.failingSince ?? null;
  const percent =
    failingSince !== null && disableAfter > 0
      ? Math.min(100, Math.round(((now - failingSince) / (disableAfter * 86_400_000)) * 100))
      : null;
  return {
    state: !enabled && h?.disabledAt ? "disabled" : failingSince !== null ? "failing" : "healthy",
    failing_since: failingSince,
    last_failure: h?.lastFailure ?? null,
    last_error: h?.lastError ?? null,
    percent,
    disabled_at: !enabled ? (h?.disabledAt ?? null) : null,
  };
}

/** The webhooks before and after `name` in name order (the form menu's Previous and Next). */
export async function webhookNeighbours(
  actor: Actor | null,
  name: string,
  db = getDb(),
): Promise<{ previous: string | null; next: string | null }> {
  requireManager(actor);
  const [before] = await db.select({ name: webhook.name }).from(webhook).where(lt(webhook.name, name)).orderBy(desc(webhook.name)).limit(1);
  const [after] = await db.select({ name: webhook.name }).from(webhook).where(gt(webhook.name, name)).orderBy(asc(webhook.name)).limit(1);
  return { previous: before?.name ?? null, next: after?.name ?? null };
}
