import "server-only";
// Delivery statistics of one webhook for the chart on its form: attempts per hour
// (delivered vs failed) with p50/p95 duration, its health, and its logs counted by status.
import type Database from "better-sqlite3";
import { getDb } from "@/db";
import type { Actor } from "@/lib/auth/roles";
import { LOG_STATUS } from "@/lib/constants";
import { AppError } from "@/lib/errors";
import type { WebhookStats } from "@/lib/log-status";
import { requireManager } from "./request-log-common";

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
  delivered: number;
  failed: number;
  /** Sorted. */
  durations: number[];
}

// Attempts that started in a past hour never change, so finished hours are computed once
// per process and only the current hour (and any hour not seen yet) is read again: the 7-day
// chart of a busy webhook costs one scan the first time, then a few milliseconds.
// On globalThis so the retention purge (another bundle) can drop it; keyed by connection.
const g = globalThis as unknown as { __webhookStatsCache?: WeakMap<object, Map<string, Map<number, HourData>>> };
const MAX_CACHED_WEBHOOKS = 100;
const SETTLE_MS = 5 * 60_000;

/** Forget cached hours (after a purge deleted attempts). */
export function clearStatsCache(): void {
  g.__webhookStatsCache = undefined;
}

function hourCache(db: object, webhook: string): Map<number, HourData> {
  g.__webhookStatsCache ??= new WeakMap();
  let byWebhook = g.__webhookStatsCache.get(db);
  if (!byWebhook) g.__webhookStatsCache.set(db, (byWebhook = new Map()));
  let hours = byWebhook.get(webhook);
  if (!hours) {
    if (byWebhook.size >= MAX_CACHED_WEBHOOKS) {
      const oldest = byWebhook.keys().next().value;
      if (oldest !== undefined) byWebhook.delete(oldest);
    }
    byWebhook.set(webhook, (hours = new Map()));
  }
  return hours;
}

function hourData(db: Database.Database, webhook: string, firstHour: number, now: number): { hour: number; data: HourData }[] {
  const currentHour = Math.floor(now / HOUR) * HOUR;
  const cache = hourCache(db, webhook);
  let from = firstHour;
  while (from < currentHour && cache.has(from)) from += HOUR;
  const fresh = new Map<number, HourData>();
  for (let h = from; h <= currentHour; h += HOUR) fresh.set(h, { delivered: 0, failed: 0, durations: [] });
  const rows = db
    .prepare(
      `SELECT a.started AS started, a.success AS success, a.duration_ms AS durationMs
       FROM webhook_request_log l JOIN webhook_request_attempt a ON a.log = l.name
       WHERE l.webhook = ? AND l.created >= ? AND a.started >= ?`,
    )
    .all(webhook, from - RETRY_WINDOW, from) as { started: number; success: number; durationMs: number | null }[];
  for (const a of rows) {
    const b = fresh.get(Math.floor(a.started / HOUR) * HOUR);
    if (!b) continue;
    if (a.success) b.delivered += 1;
    else b.failed += 1;
    if (a.durationMs !== null) b.durations.push(a.durationMs);
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
  for (let h = firstHour; h <= currentHour; h += HOUR)
    out.push({ hour: h, data: fresh.get(h) ?? cache.get(h) ?? { delivered: 0, failed: 0, durations: [] } });
  return out;
}

export function webhookStats(actor: Actor | null, webhook: string, range: string = "24h", now = Date.now()): WebhookStats {
  requireManager(actor);
  if (!(range in STATS_RANGES)) throw new AppError("BAD_REQUEST", "range must be 24h or 7d");
  const r = range as StatsRange;
  const db = getDb().$client;
  const hours = STATS_RANGES[r];
  const firstHour = Math.floor(now / HOUR) * HOUR - (hours - 1) * HOUR;

  const per = hourData(db, webhook, firstHour, now);
  const all: number[] = [];
  let delivered = 0;
  let failed = 0;
  const buckets = per.map(({ hour, data }) => {
    delivered += data.delivered;
    failed += data.failed;
    for (const d of data.durations) all.push(d);
    return {
      hour,
      delivered: data.delivered,
      failed: data.failed,
      p50: percentile(data.durations, 50),
      p95: percentile(data.durations, 95),
    };
  });
  all.sort(byNumber);

  // Health from the newest finished logs (Queued ones have no outcome yet).
  const recent = db
    .prepare(`SELECT status, modified FROM webhook_request_log WHERE webhook = ? AND status != ? ORDER BY created DESC LIMIT 200`)
    .all(webhook, LOG_STATUS.queued) as { status: string; modified: number }[];
  let consecutiveFailures = 0;
  for (const l of recent) {
    if (!FAILURES.has(l.status)) break;
    consecutiveFailures += 1;
  }
  const lastTen = recent.slice(0, 10);
  const lastSuccessRow = db
    .prepare(`SELECT modified FROM webhook_request_log WHERE webhook = ? AND status = ? ORDER BY created DESC LIMIT 1`)
    .get(webhook, LOG_STATUS.delivered) as { modified: number } | undefined;
  const lastFailure = recent.find((l) => FAILURES.has(l.status))?.modified ?? null;

  const counts: Record<string, number> = Object.fromEntries(Object.values(LOG_STATUS).map((s) => [s, 0]));
  for (const c of db.prepare(`SELECT status, count(*) AS n FROM webhook_request_log WHERE webhook = ? GROUP BY status`).all(webhook) as {
    status: string;
    n: number;
  }[])
    counts[c.status] = c.n;

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
