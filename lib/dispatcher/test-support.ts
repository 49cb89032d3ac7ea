// Helpers for the dispatcher and ingest integration tests: a real HTTP receiver on
// loopback whose answers each test scripts, webhook rows inserted directly, and real
// `npm run worker` processes to kill.
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import path from "node:path";
import type { DB } from "@/db";
import { webhook, webhookData, webhookHeader } from "@/db/schema";
import { encryptSecret } from "@/lib/crypto/secret-box";

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

export async function until<T>(fn: () => T | undefined | false, timeoutMs = 10_000, what = "condition"): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
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
  queue?: string;
  apiKey?: string;
  apiKeyHeader?: string;
  headers?: { key: string; value: string }[];
  data?: { fieldname: string; key: string }[];
}

export function insertWebhook(db: DB, f: WebhookFixture): void {
  const now = Date.now();
  db.insert(webhook)
    .values({
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
      apiKey: f.apiKey ? encryptSecret(f.apiKey) : null,
      ...(f.apiKeyHeader ? { apiKeyHeader: f.apiKeyHeader } : {}),
      created: now,
      modified: now,
    })
    .run();
  (f.headers ?? []).forEach((h, i) =>
    db
      .insert(webhookHeader)
      .values({ parent: f.name, idx: i + 1, ...h })
      .run(),
  );
  (f.data ?? []).forEach((d, i) =>
    db
      .insert(webhookData)
      .values({ parent: f.name, idx: i + 1, ...d })
      .run(),
  );
}

/**
 * `npm run worker` on the database `file`, as a child process of the test. Node with tsx's
 * loader rather than the tsx CLI, which would run the worker in a child process: the pid a
 * test SIGKILLs must be the worker itself. `env` adds to (or overrides) the test settings.
 */
export function spawnWorker(file: string, env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=react-server", "scripts/worker.ts"], {
    cwd: path.resolve(__dirname, "..", ".."),
    env: {
      ...process.env,
      DATABASE_URL: `file:${file}`,
      WEBHOOK_ALLOW_PRIVATE_NETWORK: "1",
      WEBHOOK_POLL_MS: "50",
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
