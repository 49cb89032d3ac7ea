import "server-only";
// Webhook rows → the renderer's WebhookSpec (secrets decrypted), cached per process and
// database. Ingest reads the webhooks of a DocType on every request, so they are cached, and
// the cache is validated through the database, which every process shares: one cheap query
// per request (and per dispatcher cycle) reads the `webhook_version` setting, which every
// webhook write bumps in its transaction (bumpWebhookVersion), and a fingerprint of the
// webhook tables (for a write that forgot to). invalidateWebhookCache() drops this
// process's copies at once.
import { randomBytes } from "node:crypto";
import { asc, eq, isNotNull, sql } from "drizzle-orm";
import { dialectOfDb, rawGet, type DB } from "@/db";
import {
  setting,
  webhook,
  webhookData,
  webhookHealth,
  webhookHeader,
  type Webhook,
  type WebhookData,
  type WebhookHeader,
} from "@/db/schema";
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
import { serverKey } from "./server-key";
import { sqliteWebhookVersion } from "./store-sqlite";
import { WEBHOOK_VERSION_KEY, WEBHOOK_VERSION_SQL } from "./webhook-version";

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
  /** In a failing streak when it was loaded (health.ts); a streak's start or end bumps the version. */
  failing: boolean;
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

export function subscribedEvents(row: Pick<Webhook, "webhookEvents" | "webhookDocevent">): string[] {
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

async function build(db: DB, row: Webhook, now: number): Promise<WebhookWithSpec> {
  const headers = await db.select().from(webhookHeader).where(eq(webhookHeader.parent, row.name)).orderBy(asc(webhookHeader.idx));
  const data = await db.select().from(webhookData).where(eq(webhookData.parent, row.name)).orderBy(asc(webhookData.idx));
  const [health] = await db
    .select({ failingSince: webhookHealth.failingSince })
    .from(webhookHealth)
    .where(eq(webhookHealth.webhook, row.name))
    .limit(1);
  const base = {
    failing: health?.failingSince != null,
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
  checkedAt: number;
  byDoctype: Map<string, Entry<WebhookWithSpec[]>>;
  byName: Map<string, Entry<WebhookWithSpec | null>>;
  /** Max Requests per Second of the rate-limited webhooks; loaded when first asked for. */
  rates?: Map<string, number>;
}

// On globalThis: Next bundles route handlers and instrumentation separately, and a CRUD
// route's invalidateWebhookCache() must reach the dispatcher's copy too. Keyed by database
// so tests that swap databases never see another database's webhooks: the SQLite handle
// (one per connection), or host/port/database on PostgreSQL, whose transactions each get a
// handle of their own.
const g = globalThis as unknown as { __webhookSpecCache?: { byHandle: WeakMap<object, Cache>; byServer: Map<string, Cache> } };
const caches = () => (g.__webhookSpecCache ??= { byHandle: new WeakMap(), byServer: new Map() });

const VERSION_QUERY = sql.raw(WEBHOOK_VERSION_SQL);

function cacheFor(db: DB): Cache {
  const { byHandle, byServer } = caches();
  const key = serverKey(db);
  let c = key === undefined ? byHandle.get(db) : byServer.get(key);
  if (!c) {
    c = { version: "", checkedAt: 0, byDoctype: new Map(), byName: new Map() };
    if (key === undefined) byHandle.set(db, c);
    else byServer.set(key, c);
  }
  return c;
}

/** Drops cached webhooks (all databases, this process). Call after creating, editing or deleting one. */
export function invalidateWebhookCache(): void {
  g.__webhookSpecCache = undefined;
}

/**
 * Marks the webhooks changed for every process: call in the transaction of any write to
 * webhook, webhook_header or webhook_data (create, update, enable/disable, rotate, delete).
 * Also drops this process's copies.
 */
export async function bumpWebhookVersion(db: DB, now = Date.now()): Promise<void> {
  const value = `${now.toString(36)}-${randomBytes(6).toString("hex")}`;
  await db
    .insert(setting)
    .values({ key: WEBHOOK_VERSION_KEY, value, modified: now })
    .onConflictDoUpdate({ target: setting.key, set: { value, modified: now } });
  invalidateWebhookCache();
}

/**
 * Compares the webhooks' version (the setting and a fingerprint of the tables) with the
 * cached one and drops the cache when they differ. `maxAgeMs` skips the query if it ran
 * that recently.
 */
export async function refreshWebhookCache(db: DB, maxAgeMs = 0): Promise<void> {
  const c = cacheFor(db);
  const now = Date.now();
  if (maxAgeMs > 0 && now - c.checkedAt < maxAgeMs) return;
  // SQLite: a statement prepared once per connection (ingest checks on every request).
  const version = dialectOfDb(db) === "sqlite" ? sqliteWebhookVersion(db) : ((await rawGet<{ v: string }>(VERSION_QUERY, db))?.v ?? "");
  c.checkedAt = now;
  if (version !== c.version) {
    c.version = version;
    c.byDoctype.clear();
    c.byName.clear();
    c.rates = undefined;
  }
}

const validUntil = (rows: Webhook[], now: number) =>
  rows.reduce(
    (min, r) => (r.previousSecretExpires && r.previousSecretExpires > now ? Math.min(min, r.previousSecretExpires) : min),
    Infinity,
  );

/** Every webhook on a DocType, enabled or not (the routing trail lists them all). */
export async function webhooksFor(db: DB, doctype: string, opts: { skipCheck?: boolean } = {}): Promise<WebhookWithSpec[]> {
  if (!opts.skipCheck) await refreshWebhookCache(db);
  const c = cacheFor(db);
  const now = Date.now();
  const hit = c.byDoctype.get(doctype);
  if (hit && hit.validUntil > now) return hit.value;
  const rows = await db.select().from(webhook).where(eq(webhook.webhookDoctype, doctype)).orderBy(asc(webhook.name));
  const value = await Promise.all(rows.map((r) => build(db, r, now)));
  c.byDoctype.set(doctype, { value, validUntil: validUntil(rows, now) });
  return value;
}

/** One webhook by name (for send-time signing); the fingerprint is checked at most every `maxAgeMs`. */
export async function webhookByName(db: DB, name: string, maxAgeMs = 1000): Promise<WebhookWithSpec | undefined> {
  await refreshWebhookCache(db, maxAgeMs);
  const c = cacheFor(db);
  const now = Date.now();
  const hit = c.byName.get(name);
  if (hit && hit.validUntil > now) return hit.value ?? undefined;
  const [row] = await db.select().from(webhook).where(eq(webhook.name, name)).limit(1);
  const value = row ? await build(db, row, now) : null;
  c.byName.set(name, { value, validUntil: row ? validUntil([row], now) : Infinity });
  return value ?? undefined;
}

/**
 * The rate-limited webhooks and their Max Requests per Second, cached like the webhooks (the
 * caller checks the version first: the dispatcher's cycle does): one query when they change.
 */
export async function rateLimits(db: DB): Promise<ReadonlyMap<string, number>> {
  const c = cacheFor(db);
  if (!c.rates) {
    const rows = await db
      .select({ name: webhook.name, rate: webhook.maxRequestsPerSecond })
      .from(webhook)
      .where(isNotNull(webhook.maxRequestsPerSecond));
    c.rates = new Map(rows.flatMap((r) => (r.rate !== null && r.rate > 0 ? [[r.name, r.rate] as const] : [])));
  }
  return c.rates;
}
