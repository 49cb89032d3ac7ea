// A leaf like lib/env.ts and lib/errors.ts (it imports nothing of ours but lib/env), so every
// room, lib/delivery and db included, can log without an arrow running back up.
// Structured logs (pino): one JSON object per line on stdout in production, readable coloured
// lines under `npm run dev` (pino-pretty, in this thread: no transport thread to lose lines on
// exit). LOG_LEVEL sets the least severe line written. Every line names its component; a
// delivery's line carries delivery, webhook, attempt, status, http_status and duration_ms.
//
// Secrets never reach a line: the redact paths below blank the fields that can hold one
// (header values, secrets, passwords, tokens), and the error serializer masks credentials in
// URLs (postgres://user:pass@…) in messages and stacks. Code logs ids and names, not requests.
import pino, { type Logger } from "pino";
import pretty from "pino-pretty";
import { env } from "@/lib/env";

const REDACT = [
  "authorization",
  "password",
  "secret",
  "token",
  "apiSecret",
  "api_secret",
  "headers",
  "*.authorization",
  "*.password",
  "*.secret",
  "*.token",
  "*.apiSecret",
  "*.api_secret",
  "*.headers",
  "*.webhook_secret",
];

/** user:password@ in URLs (a database URL in a connection error, a receiver URL with credentials). */
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi;
const maskUrlCredentials = (text: string): string => text.replace(URL_CREDENTIALS, "$1***:***@");

/** Fields of an error a line keeps; the rest (pg's `client` with its connection parameters, say) never goes out. */
const ERROR_FIELDS = ["type", "message", "stack", "code", "severity", "status", "cause"] as const;

function errorSerializer(e: unknown): unknown {
  const full = pino.stdSerializers.err(e as Error) as unknown as Record<string, unknown> | undefined;
  if (!full || typeof full !== "object") return full;
  const out: Record<string, unknown> = {};
  for (const k of ERROR_FIELDS) {
    const v = full[k];
    if (v === undefined) continue;
    out[k] = typeof v === "string" ? maskUrlCredentials(v) : k === "cause" ? errorSerializer(v) : v;
  }
  return out;
}

function createRoot(): Logger {
  const level = env().LOG_LEVEL;
  const options: pino.LoggerOptions = {
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT, censor: "[redacted]" },
    serializers: { err: errorSerializer, error: errorSerializer },
    formatters: { level: (label) => ({ level: label }) },
  };
  if (process.env.NODE_ENV === "development") {
    return pino(options, pretty({ sync: true, colorize: Boolean(process.stdout.isTTY), ignore: "pid", translateTime: "SYS:HH:MM:ss.l" }));
  }
  // Asynchronous writes (lines written while one is in flight go out together), flushed on exit.
  const dest = pino.destination({ dest: 1, sync: false });
  const flush = () => {
    try {
      dest.flushSync();
    } catch {
      // stdout closed: nothing left to write to
    }
  };
  process.once("beforeExit", flush);
  process.once("exit", flush);
  return pino(options, dest);
}

let root: Logger | undefined;

/** The logger of one component (`dispatcher`, `delivery`, `api`, …), made on first use. */
export function logger(component: string): Logger {
  root ??= createRoot();
  return root.child({ component });
}
