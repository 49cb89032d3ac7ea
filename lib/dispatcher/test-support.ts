// Helpers for the dispatcher and ingest integration tests: a real HTTP receiver on
// loopback whose answers each test scripts, and webhook rows inserted directly.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { DB } from "@/db";
import { webhook, webhookData, webhookHeader } from "@/db/schema";
import { encryptSecret } from "@/lib/crypto/secret-box";

export interface Received {
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
      const r: Received = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() };
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
  (f.headers ?? []).forEach((h, i) => db.insert(webhookHeader).values({ parent: f.name, idx: i + 1, ...h }).run());
  (f.data ?? []).forEach((d, i) => db.insert(webhookData).values({ parent: f.name, idx: i + 1, ...d }).run());
}
