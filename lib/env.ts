// The environment, parsed by one zod schema. Every variable the desk, `npm run worker` and the
// CLI read is declared here with its rule and default; a value outside the rule stops start-up
// (scripts/bootstrap.ts, scripts/worker.ts, scripts/cli.ts call checkEnv) with a message that
// names the variable and what is allowed, instead of silently falling back to a default.
// README's Configuration table lists the same names and defaults (lib/env.test.ts keeps them
// in step). No imports beyond zod: worker-thread bundles and scripts load this too.
import { z } from "zod";

/** The Background Jobs Queues (lib/constants QUEUES; repeated here so this file stays import-free). */
const QUEUE_NAMES = ["short", "default", "long"] as const;
type Queue = (typeof QUEUE_NAMES)[number];
const DEFAULT_QUEUE_CONCURRENCY: Record<Queue, number> = { short: 16, default: 48, long: 8 };
/** Frappe-ish backoff: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h. */
const DEFAULT_RETRY_SCHEDULE_S = [5, 300, 1800, 7200, 18000, 36000];
const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

type Raw = string | undefined;
const blank = (v: Raw): v is undefined => v === undefined || v.trim() === "";

/** A variable: its rule (text → value, or a problem) and, for README, its default. */
function variable<T>(allowed: string, parse: (text: string) => T | undefined, fallback: T) {
  return z
    .string()
    .optional()
    .transform((v, ctx): T => {
      if (blank(v)) return fallback;
      const out = parse(v.trim());
      if (out === undefined) ctx.addIssue({ code: "custom", message: allowed });
      return out ?? fallback;
    });
}

const wholeNumber =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (t: string) =>
    /^\d+$/.test(t) && Number(t) >= min && Number(t) <= max ? Number(t) : undefined;
const range = (min: number, max?: number) => (max === undefined ? `a whole number ≥ ${min}` : `a whole number from ${min} to ${max}`);

function int(fallback: number, min: number, max?: number) {
  return variable(range(min, max), wholeNumber(min, max), fallback);
}
function optionalInt(min: number, max?: number) {
  return variable<number | undefined>(range(min, max), wholeNumber(min, max), undefined);
}
/** A non-negative decimal number (seconds and the like). */
function decimal(fallback: number, min: number) {
  return variable(`a number ≥ ${min}`, (t) => (/^\d+(\.\d+)?$/.test(t) && Number(t) >= min ? Number(t) : undefined), fallback);
}
const FLAG_ON = new Set(["1", "true", "on", "yes"]);
const FLAG_OFF = new Set(["0", "false", "off", "no"]);
function flag(fallback: boolean) {
  return variable(
    "1/true/on/yes or 0/false/off/no",
    (t) => (FLAG_ON.has(t.toLowerCase()) ? true : FLAG_OFF.has(t.toLowerCase()) ? false : undefined),
    fallback,
  );
}
const text = () => variable<string | undefined>("text", (t) => t, undefined);

function httpUrl(t: string): string | undefined {
  try {
    const u = new URL(t);
    return u.protocol === "http:" || u.protocol === "https:" ? t : undefined;
  } catch {
    return undefined;
  }
}

function databaseUrl(t: string): string | undefined {
  if (/^postgres(ql)?:\/\//i.test(t)) {
    try {
      return new URL(t).hostname ? t : undefined;
    } catch {
      return undefined;
    }
  }
  // SQLite: `file:<path>`, a plain path or :memory:; any other scheme is a mistake.
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(t) ? undefined : t;
}

function queueConcurrency(t: string): Record<Queue, number> | undefined {
  const out = { ...DEFAULT_QUEUE_CONCURRENCY };
  for (const part of t.split(",")) {
    if (!part.trim()) continue;
    const [k, n, extra] = part.split("=").map((s) => s.trim());
    const count = n === undefined ? undefined : wholeNumber(1)(n);
    if (extra !== undefined || !(QUEUE_NAMES as readonly string[]).includes(k ?? "") || count === undefined) return undefined;
    out[k as Queue] = count;
  }
  return out;
}

function retrySchedule(t: string): number[] | undefined {
  const parts = t.split(",").map((s) => s.trim());
  if (!parts.every((s) => /^\d+(\.\d+)?$/.test(s))) return undefined;
  return parts.map((s) => Math.round(Number(s) * 1000));
}

function smtpUrl(t: string): string | undefined {
  try {
    const u = new URL(t);
    return (u.protocol === "smtp:" || u.protocol === "smtps:") && u.hostname ? t : undefined;
  } catch {
    return undefined;
  }
}

/** 0/false: no proxy; true: one; N: N proxies of yours in front. */
function trustProxy(t: string): number | undefined {
  const v = t.toLowerCase();
  if (v === "false") return 0;
  if (v === "true") return 1;
  return wholeNumber(0, 100)(v);
}

const schema = z.object({
  PORT: int(3000, 1, 65535),
  HOST: text(),
  DATABASE_URL: variable("file:<path> (SQLite) or postgres://user:pass@host:5432/db", databaseUrl, "file:./data/desk.db"),
  DATABASE_POOL_MAX: int(10, 1, 10_000),
  DATABASE_CONNECT_TIMEOUT_MS: int(10_000, 1),
  WEBHOOK_WORKER_POOL_MAX: int(4, 1, 10_000),
  DATA_DIR: text(),
  ADMIN_PASSWORD: text(),
  NEXTAUTH_SECRET: text(),
  NEXTAUTH_URL: variable<string | undefined>("an http:// or https:// URL", httpUrl, undefined),
  TRUST_PROXY: variable("0 (false), true, or the number of proxies in front (1–100)", trustProxy, 0),
  WEBHOOK_DESK_ENCRYPTION_KEY: text(),
  WEBHOOK_WORKER: flag(true),
  WEBHOOK_RENDER_TIMEOUT_MS: int(200, 1, 600_000),
  // Below 16 MB a render thread cannot even load the renderer.
  WEBHOOK_RENDER_MEMORY_MB: int(64, 16, 65_536),
  WEBHOOK_RENDER_THREADS: int(2, 1, 64),
  WEBHOOK_QUEUE_CONCURRENCY: variable(
    "queue=count pairs separated by commas, e.g. short=16,default=48,long=8 (queues: short, default, long; counts: whole numbers ≥ 1)",
    queueConcurrency,
    DEFAULT_QUEUE_CONCURRENCY,
  ),
  WEBHOOK_MAX_INFLIGHT_PER_WEBHOOK: optionalInt(0),
  WEBHOOK_PG_EXPIRY_CHECK_S: int(10, 1, 86_400),
  WEBHOOK_RETRY_SCHEDULE: variable(
    "seconds between attempts, separated by commas, e.g. 5,300,1800",
    retrySchedule,
    DEFAULT_RETRY_SCHEDULE_S.map((s) => s * 1000),
  ),
  WEBHOOK_RETRY_JITTER: flag(true),
  WEBHOOK_MAX_RETRY_AFTER: decimal(3600, 0),
  WEBHOOK_ALLOW_PRIVATE_NETWORK: flag(false),
  WEBHOOK_ALLOWED_HOSTS: text(),
  WEBHOOK_POLL_MS: int(250, 10),
  WEBHOOK_LEASE_MARGIN_MS: int(15_000, 0),
  WEBHOOK_DRAIN_MS: int(10_000, 0),
  WEBHOOK_EVENTS_MAX_INFLIGHT: int(64, 1, 100_000),
  WEBHOOK_JOB_LEASE_MS: int(30_000, 1),
  WEBHOOK_READY_MAX_LAG_S: int(600, 0),
  WEBHOOK_READY_TIMEOUT_MS: int(2000, 1, 600_000),
  WORKER_HEALTH_PORT: optionalInt(1, 65535),
  WORKER_HEALTH_HOST: text(),
  LOG_LEVEL: variable<(typeof LOG_LEVELS)[number]>(LOG_LEVELS.join(", "), (t) => LOG_LEVELS.find((l) => l === t.toLowerCase()), "info"),
  METRICS_TOKEN: text(),
  SMTP_URL: variable<string | undefined>("an smtp:// or smtps:// URL (smtp://user:password@host:587)", smtpUrl, undefined),
  ALERT_EMAIL_FROM: variable(
    "an email address",
    (t) => (/^[^\s@<>]+@[^\s@<>]+$/.test(t) || /<[^\s@<>]+@[^\s@<>]+>$/.test(t) ? t : undefined),
    "webhook-desk@localhost",
  ),
  WEBHOOK_HEALTH_SWEEP_MS: int(5000, 100),
});

export type Env = z.output<typeof schema>;
export type EnvName = keyof Env;
export const ENV_NAMES = Object.keys(schema.shape) as EnvName[];

/** Variables whose values are never repeated in an error message. */
const SECRET = new Set<string>([
  "ADMIN_PASSWORD",
  "NEXTAUTH_SECRET",
  "WEBHOOK_DESK_ENCRYPTION_KEY",
  "METRICS_TOKEN",
  "DATABASE_URL",
  "SMTP_URL",
]);

export class EnvError extends Error {
  constructor(readonly problems: { name: string; allowed: string }[]) {
    super("The environment has values the desk cannot use:\n" + problems.map((p) => `  ${p.name}: ${p.allowed}`).join("\n"));
    this.name = "EnvError";
  }
}

type RawEnv = Record<string, string | undefined>;

/** Parses `raw` (process.env by default); throws EnvError naming every bad variable. */
export function parseEnv(raw: RawEnv = process.env): Env {
  const picked: RawEnv = {};
  for (const name of ENV_NAMES) picked[name] = raw[name];
  const r = schema.safeParse(picked);
  if (r.success) return r.data;
  throw new EnvError(
    r.error.issues.map((i) => {
      const name = String(i.path[0]);
      const value = picked[name] ?? "";
      const shown = SECRET.has(name) ? "" : ` (got "${value}")`;
      return { name, allowed: `must be ${i.message}${shown}` };
    }),
  );
}

let memo: { key: string; env: Env } | undefined;

/**
 * The parsed process environment. Re-parsed when a variable changes (tests set them between
 * cases), so callers may read it on use; a bad value throws EnvError (start-up has checked).
 */
export function env(): Env {
  let key = "";
  for (const name of ENV_NAMES) key += (process.env[name] ?? "\u0000") + "\u0001";
  if (memo?.key !== key) memo = { key, env: parseEnv(process.env) };
  return memo.env;
}

/** Start-up: prints the problems and exits with status 1 when a value is bad. */
export function checkEnv(): Env {
  try {
    return env();
  } catch (e) {
    if (!(e instanceof EnvError)) throw e;
    process.stderr.write(`Configuration error. ${e.message}\nSee README.md, "Configuration".\n`);
    process.exit(1);
  }
}
