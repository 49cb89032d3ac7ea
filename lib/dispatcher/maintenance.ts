import "server-only";
// The maintenance thread's work (or `npm run worker`'s): WAL checkpoints (SQLite), durable
// jobs and the daily retention purge. Each runs on its own database connection (a pool on
// PostgreSQL), off the threads that serve requests and send webhooks.
import { dialectOfDb, pgPool, type DB } from "@/db";
import { purgeExpiredSessions } from "@/lib/auth/sessions";
import { purgeThrottle } from "@/lib/auth/throttle";
import { listenForWork } from "@/lib/delivery";
import { releaseJobs, runPendingJobs } from "@/lib/delivery/jobs";
import { claimDailyRun, purgeOldLogs, retentionDays, type PurgeResult } from "@/lib/delivery/retention";
import { env } from "@/lib/env";
import { logger } from "@/lib/log";

const log = logger("maintenance");
import { purgeAlertsBefore, runAlertSends, type HttpSend } from "@/lib/ops/alert-send";
import { sweepHealth } from "@/lib/ops/alerts";
import { loadDispatcherConfig } from "./config";
import { sendRequest } from "./http-send";

/** The alert webhook goes out through the dispatcher's HTTP client: its SSRF guard and timeout. */
const httpSend: HttpSend = async (req) => {
  try {
    const r = await sendRequest(req);
    return {
      ...(r.httpStatus !== undefined ? { httpStatus: r.httpStatus } : {}),
      ...(r.error ? { error: r.error } : {}),
      ...(r.response ? { response: r.response } : {}),
    };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
};

let alertsRunning = false;

/** The health sweep (auto-disable, its warnings and alerts), then the alerts' outbox. */
async function runAlerts(db: DB, now = Date.now()): Promise<void> {
  if (alertsRunning) return;
  alertsRunning = true;
  try {
    await sweepHealth(db, now);
    await runAlertSends(db, { http: httpSend, retryScheduleMs: loadDispatcherConfig().retryScheduleMs });
  } catch (e) {
    log.error({ err: e }, "alert sweep failed");
  } finally {
    alertsRunning = false;
  }
}

const alertSweepMs = () => env().WEBHOOK_HEALTH_SWEEP_MS;

let retentionRunning = false;

/**
 * The daily purge: runs when the last run is a day old or more. Safe to call every hour
 * from every process: one of them claims the day's run.
 */
export async function runRetentionIfDue(db: DB, now = Date.now()): Promise<PurgeResult | null> {
  if (retentionRunning) return null;
  retentionRunning = true;
  try {
    if (!(await claimDailyRun(db, now))) return null;
    const days = await retentionDays(db);
    const result = await purgeOldLogs(db, days, 500, now);
    // Alerts are kept as long as logs, but never one whose email or POST is still to be retried.
    const alerts = await purgeAlertsBefore(db, result.cutoff);
    // Ended sessions and passed sign-in windows are dead rows; nothing reads them again.
    await purgeExpiredSessions(db, now);
    await purgeThrottle(db, now);
    if (dialectOfDb(db) === "sqlite") {
      // Fresh statistics let the planner pick the most selective index for combined list
      // filters; analysis_limit keeps it to milliseconds on a million rows. (PostgreSQL's
      // autovacuum analyzes on its own.)
      // eslint-disable-next-line no-restricted-syntax -- SQLite upkeep, not a query
      const c = db.$client;
      c.pragma("analysis_limit = 1000");
      c.pragma("optimize");
    }
    if (result.deleted || alerts)
      log.info({ logs: result.logs, events: result.events, alerts, days }, "retention purge deleted old request logs, events and alerts");
    return result;
  } catch (e) {
    log.error({ err: e }, "retention purge failed");
    return null;
  } finally {
    retentionRunning = false;
  }
}

export interface Maintenance {
  stop(): Promise<void>;
}

/**
 * Starts the maintenance loops on `db`: on SQLite a passive WAL checkpoint every
 * `checkpointMs` (the other connections never checkpoint, so a commit on a hot thread never
 * pays for one), jobs as soon as one is queued (on PostgreSQL by any process; and every few
 * seconds for ones left by a stopped process), and the retention check hourly.
 */
export function startMaintenance(db: DB, owner: string, opts: { checkpointMs?: number; checkpoints?: boolean } = {}): Maintenance {
  const abort = new AbortController();
  let jobs: Promise<unknown> = Promise.resolve();
  let jobsQueued = false;
  const kickJobs = () => {
    if (jobsQueued || abort.signal.aborted) return;
    jobsQueued = true;
    jobs = jobs.then(async () => {
      jobsQueued = false;
      try {
        await runPendingJobs(db, owner, abort.signal);
      } catch (e) {
        log.error({ err: e }, "bulk job runner failed");
      }
    });
  };
  const stopListening = listenForWork(pgPool(db), (topic) => {
    if (topic === "job") kickJobs();
  });
  const checkpoints = opts.checkpoints !== false && dialectOfDb(db) === "sqlite";
  const timers = [
    setInterval(kickJobs, 5000),
    setInterval(() => void runRetentionIfDue(db), 3_600_000),
    setInterval(() => void runAlerts(db), alertSweepMs()),
    ...(!checkpoints
      ? []
      : [
          setInterval(() => {
            try {
              // eslint-disable-next-line no-restricted-syntax -- SQLite upkeep, not a query
              db.$client.pragma("wal_checkpoint(PASSIVE)");
            } catch (e) {
              if ((e as { code?: string }).code !== "SQLITE_BUSY") log.error({ err: e }, "WAL checkpoint failed");
            }
          }, opts.checkpointMs ?? 1000),
        ]),
  ];
  const first = setTimeout(() => void runRetentionIfDue(db), 60_000);
  for (const t of [...timers, first]) t.unref();
  kickJobs();
  return {
    async stop() {
      abort.abort();
      stopListening();
      for (const t of timers) clearInterval(t);
      clearTimeout(first);
      await jobs;
      try {
        await releaseJobs(db, owner);
      } catch {
        // the leases expire
      }
    },
  };
}
