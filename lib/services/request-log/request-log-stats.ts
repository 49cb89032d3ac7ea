import "server-only";
// Delivery statistics of one webhook for the chart on its form, in one unit: requests (log
// rows) per hour they were made, by their status now (delivered vs failed for good or for
// now), with the p50/p95 duration of the attempts sent in that hour, its health, and its logs
// counted by status.
import { and, count, desc, eq, gte, inArray, ne, sql } from "drizzle-orm";
import { getDb, type DB } from "@/db";
import { webhookRequestAttempt as attempt, webhookRequestLog as log } from "@/db/schema";
import { requireManager, type Actor } from "@/lib/auth/roles";
import { LOG_STATUS } from "@/lib/constants";
import { PURGED_KEY, readSetting } from "@/lib/delivery/retention";
import { AppError } from "@/lib/errors";
import type { WebhookStats } from "@/lib/log-status";

export type { WebhookStats };

const STATS_RANGES = { "24h": 24, "7d": 24 * 7 } as const;
type StatsRange = keyof typeof STATS_RANGES;

const HOUR = 3_600_000;
/** Retries of a log go on for up to ~18 h by default: look that far back for attempts. */
const RETRY_WINDOW = 24 * HOUR;
/** Flagged as failing after this many consecutive failures. */
const FAILING_AFTER = 5;

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? null;
}

const FAILURES = new Set<string>([LOG_STATUS.failed, LOG_STATUS.exhausted, LOG_STATUS.error]);
const byNumber = (x: number, y: number) => x - y;

interface HourData {
  /** Sorted. */
  durations: number[];
}

// Attempts that started in a past hour never change, so finished hours are computed once
// per process and only the current hour (and any hour not seen yet) is read again: the 7-day
// chart of a busy webhook costs one scan the first time, then a few milliseconds. A purge
// (this process's or another's) deletes attempts: the cache is kept only while the time of
// the last purge (PURGED_KEY, written by lib/delivery/retention) stays the same.
// On globalThis so a dev reload keeps it; keyed by database handle.
interface HourCache {
  purged: string | undefined;
  byWebhook: Map<string, Map<number, HourData>>;
}
const g = globalThis as unknown as { __webhookStatsCache?: WeakMap<object, HourCache> };
const MAX_CACHED_WEBHOOKS = 100;
const SETTLE_MS = 5 * 60_000;

async function hourCache(db: DB, webhook: string): Promise<Map<number, HourData>> {
  const purged = await readSetting(db, PURGED_KEY);
  g.__webhookStatsCache ??= new WeakMap();
  let c = g.__webhookStatsCache.get(db);
  if (!c || c.purged !== purged) g.__webhookStatsCache.set(db, (c = { purged, byWebhook: new Map() }));
  let hours = c.byWebhook.get(webhook);
  if (!hours) {
    if (c.byWebhook.size >= MAX_CACHED_WEBHOOKS) {
      const oldest = c.byWebhook.keys().next().value;
      if (oldest !== undefined) c.byWebhook.delete(oldest);
    }
    c.byWebhook.set(webhook, (hours = new Map()));
  }
  return hours;
}

async function hourData(db: DB, webhook: string, firstHour: number, now: number): Promise<{ hour: number; data: HourData }[]> {
  const currentHour = Math.floor(now / HOUR) * HOUR;
  const cache = await hourCache(db, webhook);
  let from = firstHour;
  while (from < currentHour && cache.has(from)) from += HOUR;
  const fresh = new Map<number, HourData>();
  for (let h = from; h <= currentHour; h += HOUR) fresh.set(h, { durations: [] });
  // Bucketed here rather than in SQL: the hour of an epoch-ms integer, the same on both dialects.
  const rows = await db
    .select({ started: attempt.started, durationMs: attempt.durationMs })
    .from(log)
    .innerJoin(attempt, eq(attempt.log, log.name))
    .where(and(eq(log.webhook, webhook), gte(log.created, from - RETRY_WINDOW), gte(attempt.started, from)));
  for (const a of rows) {
    const b = fresh.get(Math.floor(a.started / HOUR) * HOUR);
    if (b && a.durationMs !== null) b.durations.push(a.durationMs);
  }
  // An attempt is recorded when it ends (up to its timeout after `started`): an hour is
  // final only a while after it closed.
  const settledBefore = now - SETTLE_MS;
  for (const [h, b] of fresh) {
    b.durations.sort(byNumber);
    if (h + HOUR <= settledBefore) cache.set(h, b);
  }
  // Keep at most the 7-day window (plus a day) per webhook.
  for (const h of cache.keys()) if (h < currentHour - 8 * 24 * HOUR) cache.delete(h);
  const out: { hour: number; data: HourData }[] = [];
  for (let h = firstHour; h <= currentHour; h += HOUR) out.push({ hour: h, data: fresh.get(h) ?? cache.get(h) ?? { durations: [] } });
  return out;
}

/**
 * Requests made in each hour since `firstHour`, by their status now: a request retried later
 * moves from failed to delivered, so these are counted afresh (one grouped scan of the
 * webhook's index) rather than cached. Queued and Cancelled requests are in neither bar.
 */
async function requestsPerHour(db: DB, webhook: string, firstHour: number): Promise<Map<number, { delivered: number; failed: number }>> {
  // Integer division of an integer column: the hour number on both dialects.
  const hour = sql<number>`${log.created} / ${sql.raw(String(HOUR))}`.mapWith(Number);
  const rows = await db
    .select({ hour, status: log.status, n: count() })
    .from(log)
    .where(and(eq(log.webhook, webhook), gte(log.created, firstHour), inArray(log.status, [LOG_STATUS.delivered, ...FAILURES])))
    .groupBy(hour, log.status);
  const out = new Map<number, { delivered: number; failed: number }>();
  for (const r of rows) {
    const h = Number(r.hour) * HOUR;
    const b = out.get(h) ?? { delivered: 0, failed: 0 };
    if (r.status === LOG_STATUS.delivered) b.delivered += Number(r.n);
    else b.failed += Number(r.n);
    out.set(h, b);
  }
  return out;
}

export async function webhookStats(actor: Actor | null, webhook: string, range: string = "24h", now = Date.now()): Promise<WebhookStats> {
  requireManager(actor);
  if (!(range in STATS_RANGES)) throw new AppError("BAD_REQUEST", "range must be 24h or 7d");
  const r = range as StatsRange;
  const db = getDb();
  const hours = STATS_RANGES[r];
  const firstHour = Math.floor(now / HOUR) * HOUR - (hours - 1) * HOUR;

  const per = await hourData(db, webhook, firstHour, now);
  const requests = await requestsPerHour(db, webhook, firstHour);
  const all: number[] = [];
  let delivered = 0;
  let failed = 0;
  const buckets = per.map(({ hour, data }) => {
    const r = requests.get(hour) ?? { delivered: 0, failed: 0 };
    delivered += r.delivered;
    failed += r.failed;
    for (const d of data.durations) all.push(d);
    return {
      hour,
      delivered: r.delivered,
      failed: r.failed,
      p50: percentile(data.durations, 50),
      p95: percentile(data.durations, 95),
    };
  });
  all.sort(byNumber);

  // Health from the newest finished logs (Queued ones have no outcome yet).
  const recent = await db
    .select({ status: log.status, modified: log.modified })
    .from(log)
    .where(and(eq(log.webhook, webhook), ne(log.status, LOG_STATUS.queued)))
    .orderBy(desc(log.created), desc(log.name))
    .limit(200);
  let consecutiveFailures = 0;
  for (const l of recent) {
    if (!FAILURES.has(l.status)) break;
    consecutiveFailures += 1;
  }
  const lastTen = recent.slice(0, 10);
  const [lastSuccessRow] = await db
    .select({ modified: log.modified })
    .from(log)
    .where(and(eq(log.webhook, webhook), eq(log.status, LOG_STATUS.delivered)))
    .orderBy(desc(log.created), desc(log.name))
    .limit(1);
  const lastFailure = recent.find((l) => FAILURES.has(l.status))?.modified ?? null;

  const counts: Record<string, number> = Object.fromEntries(Object.values(LOG_STATUS).map((s) => [s, 0]));
  const byStatus = await db.select({ status: log.status, n: count() }).from(log).where(eq(log.webhook, webhook)).groupBy(log.status);
  for (const c of byStatus) counts[c.status] = c.n;

  return {
    webhook,
    range: r,
    buckets,
    totals: { delivered, failed, p50: percentile(all, 50), p95: percentile(all, 95) },
    health: {
      consecutiveFailures,
      lastSuccess: lastSuccessRow?.modified ?? null,
      lastFailure,
      flagged: consecutiveFailures >= FAILING_AFTER || (lastTen.length === 10 && lastTen.every((l) => FAILURES.has(l.status))),
    },
    counts,
  };
}
