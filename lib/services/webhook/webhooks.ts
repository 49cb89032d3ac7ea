import "server-only";
// The Webhook document's service verbs. Each checks the System Manager role first, parses
// with the shared schema, runs one synchronous transaction and returns plain data without
// secrets (only has_webhook_secret / has_api_key).
import { and, eq } from "drizzle-orm";
import type { z } from "zod";
import { getDb, type DB } from "@/db";
import { version, webhook, webhookData, webhookHeader } from "@/db/schema";
import type { Actor } from "@/lib/auth/roles";
import { encryptSecret } from "@/lib/crypto/secret-box";
import { AppError, notFound } from "@/lib/errors";
import { loadWebhook, requireManager, toColumns, type WebhookDoc } from "./webhook-doc";
import { recordCredentialWrites } from "./webhook-secret";
import { cancelWebhook, holdWebhook, invalidateWebhookCache, notifyDeliveriesQueued, releaseWebhook } from "@/lib/delivery";
import { validateWebhook } from "./webhook-validate";
import { webhookDiff } from "./webhook-versions";
import { WEBHOOK_LABELS, normalizeWebhookInput, webhookSchema, type WebhookValues } from "./webhook.schema";

export { listWebhooks, parseFrappeFilters } from "./webhook-list";
export { previewWebhook, doctypeFieldOptions, searchDocuments, webhookDoctypes } from "./webhook-preview";
export { listVersions } from "./webhook-versions";
export { type WebhookDoc, type WebhookSummary } from "./webhook-doc";

export function getWebhook(actor: Actor | null, name: string, db = getDb()): WebhookDoc {
  requireManager(actor);
  const found = loadWebhook(db, name);
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

function writeChildren(tx: DB, name: string, v: WebhookValues) {
  tx.delete(webhookHeader).where(eq(webhookHeader.parent, name)).run();
  tx.delete(webhookData).where(eq(webhookData.parent, name)).run();
  v.webhook_headers.forEach((h, i) =>
    tx
      .insert(webhookHeader)
      .values({ parent: name, idx: i + 1, key: h.key, value: h.value })
      .run(),
  );
  v.webhook_data.forEach((d, i) =>
    tx
      .insert(webhookData)
      .values({ parent: name, idx: i + 1, fieldname: d.fieldname, key: d.key })
      .run(),
  );
}

export function createWebhook(actor: Actor | null, input: unknown, db = getDb()): WebhookDoc {
  requireManager(actor);
  const parsed = parse(input);
  const now = Date.now();
  const doc = db.transaction((t) => {
    const tx = t as unknown as DB;
    const name = parsed.name;
    if (tx.select({ name: webhook.name }).from(webhook).where(eq(webhook.name, name)).get()) {
      throw new AppError("CONFLICT", `Webhook ${name} already exists`, { name: `Webhook ${name} already exists` });
    }
    const v = validateWebhook(tx, parsed, { storedSecret: false });
    const credentials = {
      secret: v.enable_security ? nextSecret(v.webhook_secret, null, false) : null,
      apiKey: nextSecret(v.api_key, null, false),
    };
    tx.insert(webhook)
      .values({
        name,
        ...toColumns(v),
        webhookSecret: credentials.secret,
        apiKey: credentials.apiKey,
        owner: actor.user,
        modifiedBy: actor.user,
        created: now,
        modified: now,
      })
      .run();
    writeChildren(tx, name, v);
    recordCredentialWrites(tx, actor, name, { secret: null, apiKey: null }, credentials);
    return loadWebhook(tx, name)?.doc;
  });
  invalidateWebhookCache();
  if (!doc) throw new AppError("INTERNAL", "Webhook was not saved");
  return doc;
}

/**
 * Frappe's PUT semantics: the fields sent replace the stored ones (a child table sent
 * replaces the whole table); fields not sent keep their values. The name cannot change.
 */
export function updateWebhook(actor: Actor | null, name: string, input: unknown, db = getDb()): WebhookDoc {
  requireManager(actor);
  const patch = normalizeWebhookInput(input);
  if (!patch || typeof patch !== "object" || Array.isArray(patch))
    throw new AppError("BAD_REQUEST", "Send the webhook's fields as a JSON object");
  const now = Date.now();
  const result = db.transaction((t) => {
    const tx = t as unknown as DB;
    const found = loadWebhook(tx, name);
    if (!found) throw notFound(`Webhook ${name}`);
    const { doc: before, row } = found;
    const merged: Record<string, unknown> = { ...before, ...patch, name };
    for (const k of ["webhook_secret", "api_key"] as const) if (!(k in patch)) delete merged[k];
    const parsed = parse(merged);
    const v = validateWebhook(tx, parsed, { storedSecret: !!row.webhookSecret });
    const secret = v.enable_security
      ? nextSecret(v.webhook_secret, row.webhookSecret, true)
      : nextSecret(v.webhook_secret, row.webhookSecret, false);
    const apiKey = nextSecret(v.api_key, row.apiKey, false);
    tx.update(webhook)
      .set({
        ...toColumns(v),
        webhookSecret: secret,
        // A cleared secret also ends a rotation still signing with the old one.
        ...(secret === null ? { previousSecret: null, previousSecretExpires: null } : {}),
        apiKey,
        modifiedBy: actor.user,
        modified: Math.max(now, row.modified + 1),
      })
      .where(eq(webhook.name, name))
      .run();
    writeChildren(tx, name, v);
    // Disabling holds its pending deliveries (not sent, not counted); enabling releases them.
    if (row.enabled && !v.enabled) holdWebhook(db.$client, name, now);
    else if (!row.enabled && v.enabled) releaseWebhook(db.$client, name, now);
    const after = loadWebhook(tx, name)?.doc;
    if (!after) throw new AppError("INTERNAL", "Webhook was not saved");
    const diff = webhookDiff(before, after, { secretChanged: secret !== row.webhookSecret, apiKeyChanged: apiKey !== row.apiKey });
    if (diff) tx.insert(version).values({ refDoctype: "Webhook", docname: name, data: diff, owner: actor.user, created: now }).run();
    recordCredentialWrites(tx, actor, name, { secret: row.webhookSecret, apiKey: row.apiKey }, { secret, apiKey });
    return { after, released: !row.enabled && v.enabled };
  });
  invalidateWebhookCache();
  if (result.released) notifyDeliveriesQueued();
  return result.after;
}

export function deleteWebhook(actor: Actor | null, name: string, db = getDb()): void {
  requireManager(actor);
  db.transaction((t) => {
    const tx = t as unknown as DB;
    const res = tx.delete(webhook).where(eq(webhook.name, name)).run();
    if (res.changes === 0) throw notFound(`Webhook ${name}`);
    // Nothing of a deleted webhook is ever sent: its pending requests end Cancelled, now.
    cancelWebhook(db.$client, name, `Cancelled: the webhook ${name} was deleted`);
    // Its history goes with it, so a new webhook of the same name starts clean.
    tx.delete(version)
      .where(and(eq(version.refDoctype, "Webhook"), eq(version.docname, name)))
      .run();
  });
  invalidateWebhookCache();
}
