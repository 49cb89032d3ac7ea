// kill -9 during dispatch, then another worker: every queued delivery still arrives (at least
// once), on either dialect — SQLite's leases expire, PostgreSQL's pg-boss jobs expire and come
// back. Real `npm run worker` processes and a loopback receiver.
import type { ChildProcess } from "node:child_process";
import { asc } from "drizzle-orm";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DB } from "@/db";
import { webhookRequestLog } from "@/db/schema";
import { ingestEvents, parseEventsBody } from "@/lib/services/event/events";
import { freshDb, type FreshDb } from "@/test/db";
import { exited, insertWebhook, spawnWorker, startReceiver, until, type Receiver } from "./test-support";

const KEY = "crash-test-key";

beforeAll(() => {
  process.env.WEBHOOK_DESK_ENCRYPTION_KEY = KEY;
});

let t: FreshDb;
let db: DB;
let rec: Receiver;
const children: ChildProcess[] = [];

function worker(env: Record<string, string> = {}): ChildProcess {
  const child = spawnWorker(t.url, { WEBHOOK_DESK_ENCRYPTION_KEY: KEY, ...env });
  children.push(child);
  return child;
}

beforeEach(async () => {
  t = await freshDb();
  db = t.db;
  rec = await startReceiver();
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await rec.close();
  await t.close();
});

const statuses = async () =>
  (await db.select({ status: webhookRequestLog.status }).from(webhookRequestLog).orderBy(asc(webhookRequestLog.name))).map((r) => r.status);

describe("crash safety", () => {
  it("delivers everything after kill -9 mid-send: only the requests in flight are sent again, with their webhook-id", async () => {
    await insertWebhook(db, { name: "hook", url: `${rec.url}/hook`, timeout: 2 });
    const N = 30;
    const INFLIGHT = 10;
    await ingestEvents(
      db,
      { user: "Administrator" },
      parseEventsBody(Array.from({ length: N }, (_, i) => ({ doctype: "Quotation", event: "on_update", doc: { name: `Q-${i}` } }))),
    );
    // The receiver stalls: everything the first worker sends is left hanging, and its slots
    // (10, no per-webhook cap) hold the rest back.
    let stall = true;
    rec.respond = () => (stall ? { hang: true } : { status: 200 });
    const env = { WEBHOOK_QUEUE_CONCURRENCY: `default=${INFLIGHT}`, WEBHOOK_MAX_INFLIGHT_PER_WEBHOOK: "0" };
    const first = worker(env);
    const inflight = new Set((await rec.waitFor(INFLIGHT, 15_000)).map((r) => String(r.headers["webhook-id"])));
    expect(inflight.size).toBe(INFLIGHT);
    first.kill("SIGKILL");
    await exited(first);
    // Nothing was acknowledged: every log is still Queued.
    expect(await statuses()).toEqual(Array(N).fill("Queued"));
    stall = false;
    const second = worker(env);
    await until(async () => (await statuses()).filter((s) => s === "Delivered").length === N, 30_000, "all delivered by another worker");
    const sent = rec.received.map((r) => String(r.headers["webhook-id"]));
    expect(new Set(sent).size).toBe(N);
    // The killed worker's requests went again (same webhook-id); nothing else went twice.
    const twice = [...new Set(sent.filter((id, i) => sent.indexOf(id) !== i))];
    expect(new Set(twice)).toEqual(inflight);
    expect(sent).toHaveLength(N + INFLIGHT);
    second.kill("SIGTERM");
    expect((await exited(second)).code).toBe(0);
  });

  it("SIGTERM lets an in-flight request finish before exiting", async () => {
    await insertWebhook(db, { name: "hook", url: `${rec.url}/hook` });
    rec.respond = () => ({ status: 200, delayMs: 800 });
    const w = worker();
    await ingestEvents(db, { user: "Administrator" }, parseEventsBody({ doctype: "Quotation", event: "on_update", doc: { name: "Q-1" } }));
    await rec.waitFor(1, 15_000);
    w.kill("SIGTERM");
    expect((await exited(w)).code).toBe(0);
    expect(await statuses()).toEqual(["Delivered"]);
  });
});
