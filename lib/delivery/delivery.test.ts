// The delivery core end to end on a real database (SQLite or PostgreSQL) and a real loopback
// receiver: what the preview shows is what the receiver gets, holds and cancels, secrets at
// rest and in echoes, stalls that must not become timeouts, a reset socket's re-send on record.
import fs from "node:fs";
import net from "node:net";
import { asc, eq, sql } from "drizzle-orm";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { rawAll, type DB } from "@/db";
import { delivery, webhookRequestAttempt, webhookRequestLog } from "@/db/schema";
import type { Actor } from "@/lib/auth/roles";
import { loadDispatcherConfig } from "@/lib/dispatcher/config";
import { Dispatcher } from "@/lib/dispatcher/dispatcher";
import { insertWebhook, startReceiver, until, type Receiver, type WebhookFixture } from "@/lib/dispatcher/test-support";
import { ingestEvents, parseEventsBody } from "@/lib/services/event/events";
import { sendTestWebhook } from "@/lib/services/webhook/webhook-test-send";
import { deleteWebhook, getWebhook, previewWebhook, updateWebhook } from "@/lib/services/webhook/webhooks";
import { freshDb, onPostgres, type FreshDb } from "@/test/db";
import { prepare } from "./request";
import { webhookByName } from "./webhook-spec";

beforeAll(() => {
  process.env.WEBHOOK_DESK_ENCRYPTION_KEY = "delivery-test-key";
  process.env.WEBHOOK_ALLOW_PRIVATE_NETWORK = "1";
});

const admin: Actor = { user: "Administrator", fullName: "Administrator", roles: ["System Manager"], via: "session" };
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const API_KEY = "outbound-api-key-5f1c0ffee";
const AUTH = "Bearer custom-auth-token-77aa";

let t: FreshDb;
let db: DB;
let rec: Receiver;
let dispatcher: Dispatcher | undefined;

function start() {
  dispatcher = new Dispatcher({
    db,
    config: { ...loadDispatcherConfig({}), retryScheduleMs: [150, 150], jitter: false, pollMs: 50, leaseMarginMs: 500, drainMs: 1000 },
  });
  dispatcher.start();
}

beforeEach(async () => {
  t = await freshDb();
  db = t.db;
  rec = await startReceiver();
});
afterEach(async () => {
  await dispatcher?.stop(500);
  dispatcher = undefined;
  await rec.close();
  await t.close();
});

const hook = (f: Partial<WebhookFixture> = {}) => insertWebhook(db, { name: "hook", url: `${rec.url}/hook`, ...f });
const emit = (docs: Record<string, unknown>[]) =>
  ingestEvents(db, { user: "Administrator" }, parseEventsBody(docs.map((doc) => ({ doctype: "Quotation", event: "on_update", doc }))));
const logs = () => db.select().from(webhookRequestLog).orderBy(asc(webhookRequestLog.created), asc(webhookRequestLog.name));
const logOf = async (name: string) => (await db.select().from(webhookRequestLog).where(eq(webhookRequestLog.name, name)))[0];
const attempts = (log: string) =>
  db.select().from(webhookRequestAttempt).where(eq(webhookRequestAttempt.log, log)).orderBy(asc(webhookRequestAttempt.attempt));
const oneLog = async () => {
  const r = await emit([{ name: "QTN-1", status: "Open" }]);
  return r.events[0]?.deliveries[0]?.request_log ?? "";
};

describe("one request builder", () => {
  for (const scheme of ["frappe", "standard", "both"] as const) {
    it(`the preview lists exactly the headers the receiver gets (${scheme})`, async () => {
      await hook({ secret: SECRET, scheme, apiKey: API_KEY, headers: [{ key: "X-Custom", value: "abc" }] });
      start();
      await oneLog();
      const [got] = await rec.waitFor(1);
      const preview = await previewWebhook(admin, { ...(await getWebhook(admin, "hook")) }, "QTN-1", "hook");
      const shown = Object.keys(preview.headers).map((k) => k.toLowerCase());
      const received = Object.keys(got?.headers ?? {}).filter((k) => k !== "host" && k !== "connection");
      expect(shown.sort()).toEqual(received.sort());
      for (const [k, v] of Object.entries(preview.headers)) {
        const lower = k.toLowerCase();
        if (["webhook-id", "webhook-timestamp"].includes(lower) || v.startsWith("***")) continue;
        expect(got?.headers[lower]).toBe(v);
      }
      // Built for the same id and second, the request is byte for byte what was received.
      const w = await webhookByName(db, "hook", 0);
      const id = String(got?.headers["webhook-id"]);
      const ts = Number(got?.headers["webhook-timestamp"] ?? Math.floor((got?.at ?? 0) / 1000));
      const doc = { name: "QTN-1", status: "Open", doctype: "Quotation" };
      const again = await prepare(
        w?.spec ?? ({} as never),
        doc,
        { doctype: "Quotation", event: "on_update", user: "Administrator" },
        { id, nowMs: ts * 1000 },
      );
      expect(again.body).toBe(got?.body);
      for (const [k, v] of Object.entries(again.headers)) {
        if (scheme === "frappe" && k.toLowerCase() === "webhook-timestamp") continue;
        expect(got?.headers[k.toLowerCase()], k).toBe(v);
      }
      // Copy as cURL: real signatures, the stored API key only as $API_KEY.
      expect(preview.curl).toContain('"X-API-Key: $API_KEY"');
      expect(preview.curl).not.toContain(API_KEY);
      if (scheme !== "frappe") expect(preview.curl).toMatch(/webhook-signature: v1,[A-Za-z0-9+/=]{20,}/);
    });
  }
});

describe("holds and cancels", () => {
  it("a deleted webhook's pending retry ends Cancelled and is never received", async () => {
    await hook({ maxRetries: 5 });
    rec.respond = () => ({ status: 500 });
    start();
    const log = await oneLog();
    await until(async () => (await logOf(log))?.status === "Failed", 5000, "first failure");
    const before = rec.received.length;
    await dispatcher?.stop(500);
    dispatcher = undefined;
    await deleteWebhook(admin, "hook", db);
    expect(await logOf(log)).toMatchObject({ status: "Cancelled", nextRetry: null });
    expect((await logOf(log))?.error).toContain("was deleted");
    expect(await db.select().from(delivery)).toHaveLength(0);
    if (onPostgres) expect(await rawAll(sql`SELECT id FROM pgboss.job`, db)).toEqual([]);
    rec.respond = () => ({ status: 200 });
    start();
    // A later delivery of another webhook goes out, and the cancelled one never does.
    await hook({ name: "other", url: `${rec.url}/other` });
    const other = await oneLog();
    await until(async () => (await logOf(other))?.status === "Delivered", 5000, "the other delivered");
    expect(rec.received.length).toBe(before + 1);
    expect(rec.received.at(-1)?.url).toBe("/other");
    expect((await logOf(log))?.status).toBe("Cancelled");
  });

  it("disabling holds pending deliveries (not sent, not counted); enabling releases them", async () => {
    await hook();
    const log = await oneLog();
    await updateWebhook(admin, "hook", { enabled: 0 }, db);
    expect(await logOf(log)).toMatchObject({ status: "Queued", held: true, attempts: 0, nextRetry: null });
    start();
    // Another webhook's delivery goes out while the held one waits.
    await hook({ name: "live", url: `${rec.url}/live` });
    const live = (await emit([{ name: "QTN-2" }])).events[0]?.deliveries.find((d) => d.webhook === "live")?.request_log ?? "";
    await until(async () => (await logOf(live))?.status === "Delivered", 5000, "live delivered");
    expect(rec.received.every((r) => r.url !== "/hook")).toBe(true);
    expect(await logOf(log)).toMatchObject({ status: "Queued", held: true, attempts: 0 });
    await updateWebhook(admin, "hook", { enabled: 1 }, db);
    await until(async () => (await logOf(log))?.status === "Delivered", 5000, "released and delivered");
    expect(await logOf(log)).toMatchObject({ held: false, attempts: 1 });
  });
});

describe("secrets", () => {
  it("a receiver that echoes its request puts no secret in the log or the Send Test answer", async () => {
    await hook({ secret: SECRET, scheme: "both", apiKey: API_KEY, headers: [{ key: "Authorization", value: AUTH }] });
    rec.respond = (r) => ({ status: 200, body: JSON.stringify({ headers: r.headers, body: r.body }) });
    start();
    const log = await oneLog();
    await until(async () => (await logOf(log))?.status === "Delivered", 5000, "delivered");
    const [got] = rec.received;
    const sent = [
      API_KEY,
      AUTH,
      "custom-auth-token-77aa",
      String(got?.headers["webhook-signature"]),
      String(got?.headers["x-frappe-webhook-signature"]),
    ];
    // (attempt.signature keeps the HMACs sent, for Verify a Delivery: server-side only, never shown.)
    const shown = (await attempts(log)).map(({ signature: _s, ...a }) => a);
    const stored = JSON.stringify([await logOf(log), shown, await rawAll(sql`SELECT * FROM delivery`, db)]);
    for (const s of sent) expect(stored).not.toContain(s);
    expect((await logOf(log))?.response).toContain("***");

    const test = await sendTestWebhook(
      admin,
      { ...(await getWebhook(admin, "hook")), api_key: "typed-key-1234567890" },
      "QTN-1",
      "hook",
      db,
    );
    expect(test.status).toBe("Delivered");
    for (const s of ["typed-key-1234567890", AUTH]) expect(JSON.stringify(test)).not.toContain(s);
    expect(JSON.stringify(await logOf(test.request_log))).not.toContain("typed-key-1234567890");
  });

  it("the database holds no outbound API key or auth header value, during or after delivery", async () => {
    await hook({ apiKey: API_KEY, headers: [{ key: "Authorization", value: AUTH }] });
    rec.respond = () => ({ status: 500 });
    start();
    const log = await oneLog();
    await until(async () => (await logOf(log))?.status === "Failed", 5000, "failed once");
    // SQLite: the file and its WAL, bytes and all. PostgreSQL: every row of every table of
    // ours and of pg-boss (the jobs carry only ids), as text.
    const scan = async () => {
      if (onPostgres) {
        const tables = await rawAll<{ s: string; t: string }>(
          sql`SELECT table_schema AS s, table_name AS t FROM information_schema.tables WHERE table_schema IN ('public', 'pgboss') AND table_type = 'BASE TABLE'`,
          db,
        );
        let text = "";
        for (const { s, t: name } of tables) text += JSON.stringify(await rawAll(sql.raw(`SELECT * FROM "${s}"."${name}"`), db));
        return [API_KEY].filter((x) => text.includes(x));
      }
      await rawAll(sql`PRAGMA wal_checkpoint(FULL)`, db);
      const bytes = Buffer.concat([t.file, `${t.file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)));
      return [API_KEY].filter((s) => bytes.includes(s));
    };
    // Custom header values are the webhook's own configuration (webhook_header); the stored
    // request keeps them sealed.
    const rows = JSON.stringify(await rawAll(sql`SELECT l.*, d.* FROM webhook_request_log l LEFT JOIN delivery d ON d.log = l.name`, db));
    expect(rows).not.toContain("custom-auth-token-77aa");
    expect(await scan()).toEqual([]);
    rec.respond = () => ({ status: 200 });
    await until(async () => (await logOf(log))?.status === "Delivered", 5000, "delivered");
    expect(await scan()).toEqual([]);
    expect(String(rec.received.at(-1)?.headers["x-api-key"])).toBe(API_KEY);
    expect(String(rec.received.at(-1)?.headers.authorization)).toBe(AUTH);
  });
});

describe("send-time truth", () => {
  it("a stalled thread never turns an answered request into a timeout", async () => {
    await hook({ timeout: 1 });
    // Answer at once, then block this thread (the dispatcher's) well past the timeout.
    rec.respond = () => ({ status: 200, body: "ok" });
    const origRespond = rec.respond;
    let stalled = false;
    rec.respond = (r, n) => {
      const a = origRespond(r, n);
      if (!stalled) {
        stalled = true;
        setImmediate(() => {
          const until = Date.now() + 1800;
          while (Date.now() < until) {
            // a CPU stall on the dispatcher's thread
          }
        });
      }
      return a;
    };
    start();
    const log = await oneLog();
    await until(async () => (await logOf(log))?.status !== "Queued", 8000, "an outcome");
    expect(await logOf(log)).toMatchObject({ status: "Delivered", attempts: 1 });
    expect((await attempts(log))[0]?.error ?? null).toBeNull();
  });

  it("records a re-send after a reset reused socket as its own attempt", async () => {
    // A receiver that answers the first request on a connection with keep-alive and resets
    // the connection when a second request arrives on it.
    const counts = new WeakMap<net.Socket, number>();
    const server = net.createServer((socket) => {
      socket.on("data", (chunk) => {
        if (!chunk.toString("latin1").includes("HTTP/1.1")) return;
        const n = (counts.get(socket) ?? 0) + 1;
        counts.set(socket, n);
        if (n > 1) socket.resetAndDestroy();
        else socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok");
      });
      socket.on("error", () => {});
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      await hook({ url: `http://127.0.0.1:${port}/hook` });
      start();
      const first = await oneLog();
      await until(async () => (await logOf(first))?.status === "Delivered", 5000, "first delivered");
      const second = (await emit([{ name: "QTN-2" }])).events[0]?.deliveries[0]?.request_log ?? "";
      await until(async () => (await logOf(second))?.status === "Delivered", 5000, "second delivered");
      const rows = await attempts(second);
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatchObject({ attempt: 1, success: false });
      expect(rows[0]?.error).toMatch(/reused connection; sent again at once/);
      expect(rows[1]).toMatchObject({ attempt: 2, success: true, httpStatus: 200 });
      expect((await logOf(second))?.attempts).toBe(2);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it("a template over the render budget becomes an Error log row and blocks nothing", async () => {
    await hook({ name: "slow", json: "{{ (range(10000)*100)|unique|length }}" });
    await hook({ name: "fast" });
    start();
    const r = await emit([{ name: "QTN-1" }]);
    const rows = await logs();
    const slow = rows.find((l) => l.webhook === "slow");
    expect(slow).toMatchObject({ status: "Error" });
    expect(slow?.error).toMatch(/took longer than 200 ms/);
    expect(r.events[0]?.deliveries.map((d) => d.webhook)).toEqual(["fast"]);
    await until(async () => (await logs()).find((l) => l.webhook === "fast")?.status === "Delivered", 5000, "fast delivered");
  });
});
