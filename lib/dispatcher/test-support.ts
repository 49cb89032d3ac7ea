// Helpers for the dispatcher and ingest integration tests, on either dialect: a real HTTP
// receiver on loopback whose answers each test scripts, webhook rows inserted directly,
// deliveries queued straight through the delivery store, and real `npm run worker`
// processes to kill.
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import path from "node:path";
import { closeDb, openDatabase, openPg, tx, type DB } from "@/db";
import { webhook, webhookData, webhookHeader } from "@/db/schema";
import { LOG_STATUS } from "@/lib/constants";
import { encryptSecret } from "@/lib/crypto/secret-box";
import { newId } from "@/lib/ids";
import { sealHeaders } from "@/lib/delivery/sealed";
import { insertLogs } from "@/lib/delivery/store";
import { onPostgres, type FreshDb } from "@/test/db";
import { loadDispatcherConfig, type DispatcherConfig } from "./config";
import { Dispatcher } from "./dispatcher";

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

type Answer = { status?: number; headers?: Record<string, string>; body?: string; delayMs?: number; hang?: boolean };

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** Decides each answer; default 200 "ok". */
  respond: (r: Received, nth: number) => Answer;
  waitFor: (n: number, timeoutMs?: number) => Promise<Received[]>;
  close: () => Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  const rec: Receiver = {
    url: "",
    port: 0,
    received,
    respond: () => ({ status: 200, body: "ok" }),
    waitFor: async (n, timeoutMs = 10_000) => {
      const until = Date.now() + timeoutMs;
      while (received.length < n) {
        if (Date.now() > until) throw new Error(`receiver got ${received.length} of ${n} requests`);
        await sleep(10);
      }
      return received;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r: Received = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        at: Date.now(),
      };
      received.push(r);
      const a = rec.respond(r, received.length);
      if (a.hang) return;
      const send = () => {
        res.writeHead(a.status ?? 200, a.headers);
        res.end(a.body ?? "");
      };
      if (a.delayMs) setTimeout(send, a.delayMs);
      else send();
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  rec.port = (server.address() as AddressInfo).port;
  rec.url = `http://127.0.0.1:${rec.port}`;
  return rec;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
  what = "condition",
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export interface WebhookFixture {
  name: string;
  doctype?: string;
  docevent?: string;
  events?: string[];
  url: string;
  condition?: string;
  enabled?: boolean;
  isDynamicUrl?: boolean;
  method?: string;
  structure?: string;
  json?: string;
  secret?: string;
  previousSecret?: string;
  previousSecretExpires?: number;
  scheme?: string;
  timeout?: number;
  maxRetries?: number;
  maxRequestsPerSecond?: number;
  sendInOrder?: boolean;
  queue?: string;
  apiKey?: string;
  apiKeyHeader?: string;
  headers?: { key: string; value: string }[];
  data?: { fieldname: string; key: string }[];
}

export async function insertWebhook(db: DB, f: WebhookFixture): Promise<void> {
  const now = Date.now();
  await tx(
    async (t) => {
      await t.insert(webhook).values({
        name: f.name,
        webhookDoctype: f.doctype ?? "Quotation",
        webhookDocevent: f.docevent ?? "on_update",
        webhookEvents: f.events ?? [],
        enabled: f.enabled ?? true,
        condition: f.condition ?? "",
        requestUrl: f.url,
        isDynamicUrl: f.isDynamicUrl ?? false,
        timeout: f.timeout ?? 5,
        backgroundJobsQueue: f.queue ?? "default",
        requestMethod: f.method ?? "POST",
        requestStructure: f.structure ?? "JSON",
        enableSecurity: !!f.secret,
        webhookSecret: f.secret ? encryptSecret(f.secret) : null,
        previousSecret: f.previousSecret ? encryptSecret(f.previousSecret) : null,
        previousSecretExpires: f.previousSecretExpires ?? null,
        signatureScheme: f.scheme ?? "frappe",
        webhookJson: f.json ?? '{ "name": {{ doc.name | tojson }}, "status": {{ doc.status | tojson }}, "doc": {{ doc | tojson }} }',
        maxRetries: f.maxRetries ?? 5,
        maxRequestsPerSecond: f.maxRequestsPerSecond ?? null,
        sendInOrder: f.sendInOrder ?? false,
        apiKey: f.apiKey ? encryptSecret(f.apiKey) : null,
        ...(f.apiKeyHeader ? { apiKeyHeader: f.apiKeyHeader } : {}),
        created: now,
        modified: now,
      });
      for (const [i, h] of (f.headers ?? []).entries()) await t.insert(webhookHeader).values({ parent: f.name, idx: i + 1, ...h });
      for (const [i, d] of (f.data ?? []).entries()) await t.insert(webhookData).values({ parent: f.name, idx: i + 1, ...d });
    },
    {},
    db,
  );
}

export interface Queued {
  log: string;
  /** The delivery id: the webhook-id the receiver sees. */
  id: string;
}

/**
 * Queues one delivery per body for `webhook` straight through the delivery store (no render,
 * no routing: what ingest would have stored), in one transaction. The body is sent as is,
 * signed at send time from the webhook.
 */
export async function enqueue(
  db: DB,
  w: {
    name: string;
    url: string;
    queue?: string;
    timeoutMs?: number;
    maxRetries?: number;
    /** Send in Order per Document: the order key of each body's delivery (lib/delivery/order.ts). */
    orderKey?: (body: string, i: number) => string | null;
  },
  bodies: string[],
  now = Date.now(),
): Promise<Queued[]> {
  const out: Queued[] = bodies.map(() => ({ log: newId("log_"), id: newId("msg_") }));
  const entries = bodies.map((body, i) => {
    const q = out[i] ?? { log: "", id: "" };
    return {
      log: {
        name: q.log,
        webhook: w.name,
        referenceDoctype: "Quotation",
        referenceDocument: body.slice(0, 60),
        docEvent: "on_update",
        event: null,
        user: "Administrator",
        url: w.url,
        method: "POST",
        headers: JSON.stringify({ "Content-Type": "application/json", "webhook-id": q.id }),
        data: body,
        requestHeaders: sealHeaders({ "Content-Type": "application/json" }),
        status: LOG_STATUS.queued,
        error: null,
        isTest: false,
        created: now,
      },
      delivery: {
        id: q.id,
        webhook: w.name,
        queue: w.queue ?? "default",
        timeoutMs: w.timeoutMs ?? 5000,
        maxRetries: w.maxRetries ?? 5,
        manual: false,
        sign: true,
        dueAt: now,
        orderKey: w.orderKey?.(body, i) ?? null,
      },
    };
  });
  await tx((t) => insertLogs(t, entries), {}, db);
  return out;
}

/**
 * `npm run worker` on the database at `url` (FreshDb.url: `file:…` or `postgres://…`), as a
 * child process of the test. Node with tsx's loader rather than the tsx CLI, which would run
 * the worker in a child process: the pid a test SIGKILLs must be the worker itself. `env`
 * adds to (or overrides) the test settings. A bare path is a SQLite file.
 */
export function spawnWorker(url: string, env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=react-server", "scripts/worker.ts"], {
    cwd: path.resolve(__dirname, "..", ".."),
    env: {
      ...process.env,
      DATABASE_URL: /^(file:|postgres(ql)?:\/\/)/i.test(url) ? url : `file:${url}`,
      WEBHOOK_ALLOW_PRIVATE_NETWORK: "1",
      WEBHOOK_POLL_MS: "50",
      WEBHOOK_PG_EXPIRY_CHECK_S: "1",
      WEBHOOK_LEASE_MARGIN_MS: "300",
      WEBHOOK_RETRY_SCHEDULE: "0.2",
      WEBHOOK_DRAIN_MS: "3000",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Drained, so a chatty worker never blocks on a full pipe.
  child.stdout?.resume();
  let err = "";
  child.stderr?.on("data", (c: Buffer) => (err += c.toString()));
  child.on("exit", (code, signal) => {
    if (code && code !== 0) console.error(`worker exited ${code} ${signal ?? ""}: ${err}`);
  });
  return child;
}

/** How a child process ended (at once when it already has). */
export const exited = (c: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => {
    if (c.exitCode !== null || c.signalCode !== null) r({ code: c.exitCode, signal: c.signalCode });
    else c.once("exit", (code, signal) => r({ code, signal }));
  });

/**
 * Dispatchers a test starts on one database, each as another process would (its own connection
 * or pool from `connection`), with quick test settings; `close()` stops them all and closes the
 * connections.
 */
export function fleet(defaults: Partial<DispatcherConfig> = {}) {
  const dispatchers: Dispatcher[] = [];
  const handles: DB[] = [];
  return {
    /** Another process's view of `t`: its own connection (SQLite) or pool (PostgreSQL). */
    connection(t: FreshDb): DB {
      const db = onPostgres ? openPg(t.url, { max: 4 }) : openDatabase(t.file, { busyTimeoutMs: 5000 });
      handles.push(db);
      return db;
    },
    dispatcher(db: DB, overrides: Partial<DispatcherConfig> = {}): Dispatcher {
      const d = new Dispatcher({
        db,
        config: {
          ...loadDispatcherConfig({}),
          retryScheduleMs: [100],
          jitter: false,
          pollMs: 20,
          leaseMarginMs: 1000,
          drainMs: 500,
          ...defaults,
          ...overrides,
        },
      });
      dispatchers.push(d);
      void d.start();
      return d;
    },
    async close(): Promise<void> {
      await Promise.all(dispatchers.splice(0).map((d) => d.stop(100)));
      for (const h of handles.splice(0)) await closeDb(h);
    },
  };
}
