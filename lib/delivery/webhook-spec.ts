import "server-only";
// Webhook rows → the renderer's WebhookSpec (secrets decrypted), cached per process.
// Ingest reads the webhooks of a DocType on every request, so they are cached and the
// cache is validated by one cheap aggregate query per request (or dropped at once by
// invalidateWebhookCache(), which the Webhook CRUD service calls after a write).
import type { Statement } from "better-sqlite3";
import { asc, eq } from "drizzle-orm";
import type { DB } from "@/db";
import { webhook, webhookData, webhookHeader, type Webhook, type WebhookData, type WebhookHeader } from "@/db/schema";
import {
  REQUEST_METHODS,
  REQUEST_STRUCTURES,
  SIGNATURE_SCHEMES,
  type RequestMethod,
  type RequestStructure,
  type SignatureScheme,
} from "@/lib/constants";
import { decryptSecret } from "@/lib/crypto/secret-box";
import type { WebhookSpec } from "@/lib/renderer/types";
import { DEFAULT_TIMEOUT_MS, queueOf, type QueueName } from "./queues";

export interface WebhookWithSpec {
  row: Webhook;
  /** Undefined when a secret could not be decrypted (specError says why). */
  spec?: WebhookSpec;
  specError?: string;
  /** Doc Events it subscribes to: webhook_events, or [webhook_docevent] when that is empty. */
  events: string[];
  queue: QueueName;
  timeoutMs: number;
  maxRetries: number;
}

const pick = <T extends string>(allowed: readonly T[], v: string, fallback: T): T =>
  (allowed as readonly string[]).includes(v) ? (v as T) : fallback;

export function toWebhookSpec(
  row: Webhook,
  headers: Pick<WebhookHeader, "key" | "value">[],
  data: Pick<WebhookData, "fieldname" | "key">[],
  now = Date.now(),
): WebhookSpec {
  const secret = decryptSecret(row.webhookSecret);
  const previous = row.previousSecretExpires && row.previousSecretExpires > now ? decryptSecret(row.previousSecret) : undefined;
  const apiKey = decryptSecret(row.apiKey);
  return {
    name: row.name,
    webhookDoctype: row.webhookDoctype,
    webhookDocevent: row.webhookDocevent,
    webhookEvents: row.webhookEvents,
    enabled: row.enabled,
    condition: row.condition,
    requestUrl: row.requestUrl,
    isDynamicUrl: row.isDynamicUrl,
    timeout: row.timeout,
    requestMethod: pick<RequestMethod>(REQUEST_METHODS, row.requestMethod, "POST"),
    requestStructure: pick<RequestStructure>(REQUEST_STRUCTURES, row.requestStructure, ""),
    enableSecurity: row.enableSecurity,
    ...(secret !== undefined ? { webhookSecret: secret } : {}),
    ...(previous !== undefined ? { previousSecret: previous } : {}),
    signatureScheme: pick<SignatureScheme>(SIGNATURE_SCHEMES, row.signatureScheme, "frappe"),
    webhookJson: row.webhookJson,
    headers: headers.map((h) => ({ key: h.key, value: h.value })),
    data: data.map((d) => ({ fieldname: d.fieldname, key: d.key })),
    ...(apiKey !== undefined ? { apiKey } : {}),
    apiKeyHeader: row.apiKeyHeader,
  };
}

function subscribedEvents(row: Pick<Webhook, "webhookEvents" | "webhookDocevent">): string[] {
  return row.webhookEvents?.length ? row.webhookEvents : [row.webhookDocevent];
}

/**
 * Why a webhook does not fire for `event`, or undefined when it does. Frappe runs
 * on_change after every save, so an on_change webhook fires for every event except
 * after_insert (an insert's on_update/on_change are posted separately).
 */
export function skipReason(w: Pick<WebhookWithSpec, "row" | "events">, event: string): "disabled" | "other_event" | undefined {
  if (!w.row.enabled) return "disabled";
  if (w.events.includes(event)) return undefined;
  if (w.events.includes("on_change") && event !== "after_insert") return undefined;
  return "other_event";
}

function build(db: DB, row: Webhook, now: number): WebhookWithSpec {
  const headers = db.select().from(webhookHeader).where(eq(webhookHeader.parent, row.name)).orderBy(asc(webhookHeader.idx)).all();
  const data = db.select().from(webhookData).where(eq(webhookData.parent, row.name)).orderBy(asc(webhookData.idx)).all();
  const base = {
    row,
    events: subscribedEvents(row),
    queue: queueOf(row.backgroundJobsQueue),
    timeoutMs: row.timeout > 0 ? row.timeout * 1000 : DEFAULT_TIMEOUT_MS,
    maxRetries: Math.max(0, row.maxRetries),
  };
  try {
    return { ...base, spec: toWebhookSpec(row, headers, data, now) };
  } catch (e) {
    return { ...base, specError: `Cannot decrypt the webhook's secrets: ${e instanceof Error ? e.message : String(e)}` };
  }
}

interface Entry<T> {
  value: T;
  /** A previous secret stops being valid then, so the spec must be rebuilt. */
  validUntil: number;
}
interface Cache {
  version: string;
  versionStmt?: Statement;
  checkedAt: number;
  byDoctype: Map<string, Entry<WebhookWithSpec[]>>;
  byName: Map<string, Entry<WebhookWithSpec | null>>;
}

// On globalThis: Next bundles route handlers and instrumentation separately, and a CRUD
// route's invalidateWebhookCache() must reach the dispatcher's copy too. Keyed by
// connection so tests that swap databases never see another database's webhooks.
const g = globalThis as unknown as { __webhookSpecCache?: WeakMap<object, Cache> };
const caches = () => (g.__webhookSpecCache ??= new WeakMap());

const VERSION_SQL = `SELECT
  (SELECT coalesce(max(modified), 0) || ':' || count(*) FROM webhook) || '|' ||
  (SELECT coalesce(max(id), 0) || ':' || count(*) FROM webhook_header) || '|' ||
  (SELECT coalesce(max(id), 0) || ':' || count(*) FROM webhook_data) AS v`;

function cacheFor(db: DB): Cache {
  let c = caches().get(db.$client);
  if (!c) {
    c = { version: "", checkedAt: 0, byDoctype: new Map(), byName: new Map() };
    caches().set(db.$client, c);
  }
  return c;
}

/** Drops cached webhooks (all connections). Call after creating, editing or deleting one. */
export function invalidateWebhookCache(): void {
  g.__webhookSpecCache = new WeakMap();
}

/**
 * Compares a cheap fingerprint of the webhook tables with the cached one and drops the
 * cache when they differ. `maxAgeMs` skips the query if it ran that recently.
 */
export function refreshWebhookCache(db: DB, maxAgeMs = 0): void {
  const c = cacheFor(db);
  const now = Date.now();
  if (maxAgeMs > 0 && now - c.checkedAt < maxAgeMs) return;
  c.versionStmt ??= db.$client.prepare(VERSION_SQL);
  const row = c.versionStmt.get() as { v: string } | undefined;
  const version = row?.v ?? "";
  c.checkedAt = now;
  if (version !== c.version) {
    c.version = version;
    c.byDoctype.clear();
    c.byName.clear();
  }
}

const validUntil = (rows: Webhook[], now: number) =>
  rows.reduce(
    (min, r) => (r.previousSecretExpires && r.previousSecretExpires > now ? Math.min(min, r.previousSecretExpires) : min),
    Infinity,
  );

/** Every webhook on a DocType, enabled or not (the routing trail lists them all). */
export function webhooksFor(db: DB, doctype: string, opts: { skipCheck?: boolean } = {}): WebhookWithSpec[] {
  if (!opts.skipCheck) refreshWebhookCache(db);
  const c = cacheFor(db);
  const now = Date.now();
  const hit = c.byDoctype.get(doctype);
  if (hit && hit.validUntil > now) return hit.value;
  const rows = db.select().from(webhook).where(eq(webhook.webhookDoctype, doctype)).orderBy(asc(webhook.name)).all();
  const value = rows.map((r) => build(db, r, now));
  c.byDoctype.set(doctype, { value, validUntil: validUntil(rows, now) });
  return value;
}

/** One webhook by name (for send-time signing); the fingerprint is checked at most every `maxAgeMs`. */
export function webhookByName(db: DB, name: string, maxAgeMs = 1000): WebhookWithSpec | undefined {
  refreshWebhookCache(db, maxAgeMs);
  const c = cacheFor(db);
  const now = Date.now();
  const hit = c.byName.get(name);
  if (hit && hit.validUntil > now) return hit.value ?? undefined;
  const row = db.select().from(webhook).where(eq(webhook.name, name)).get();
  const value = row ? build(db, row, now) : null;
  c.byName.set(name, { value, validUntil: row ? validUntil([row], now) : Infinity });
  return value ?? undefined;
}
