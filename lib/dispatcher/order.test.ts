// Send in Order per Document, on either dialect: a document's requests reach the receiver one
// at a time in the order their events were posted (retries and slow answers included), while
// other documents, and webhooks without the check, go in parallel. Real events through
// ingest, real dispatchers (two of them, as two worker processes would be), a real receiver.
import { eq } from "drizzle-orm";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { tx } from "@/db";
import { delivery, webhookRequestLog } from "@/db/schema";
import { LOG_STATUS } from "@/lib/constants";
import { orderKeyOf } from "@/lib/delivery/order";
import { purgeLogsBefore } from "@/lib/delivery/store";
import { ingestEvents, parseEventsBody } from "@/lib/services/event/events";
import { getLog } from "@/lib/services/request-log/request-log";
import { freshDb, type FreshDb } from "@/test/db";
import { enqueue, fleet, insertWebhook, startReceiver, until, type Receiver } from "./test-support";

beforeAll(() => {
  process.env.WEBHOOK_DESK_ENCRYPTION_KEY = "order-test-key";
  process.env.WEBHOOK_ALLOW_PRIVATE_NETWORK = "1";
});

let t: FreshDb;
let rec: Receiver;
const f = fleet({ pollMs: 50 });
const connection = () => f.connection(t);
const dispatcher = f.dispatcher;
const CONCURRENT = { concurrency: { short: 8, default: 8, long: 8 }, maxInflightPerWebhook: 0 };

beforeEach(async () => {
  t = await freshDb({ seed: false });
  rec = await startReceiver();
});
afterEach(async () => {
  await f.close();
  await rec.close();
  await t.close();
});

/** The document and step a request carries (the webhook's JSON body: { name, status, doc }). */
const stepOf = (body: string) => {
  const b = JSON.parse(body) as { name: string; doc: { n: number } };
  return { doc: b.name, n: b.doc.n };
};

/**
 * Posts `n` updates of each document through ingest (as /api/events does): one request per
 * step, with every document's update (within one request the last update of a document wins).
 */
async function postUpdates(docs: string[], n: number, webhooks = 1, doctype = "Quotation") {
  for (let i = 0; i < n; i++) {
    const events = docs.map((name) => ({ doctype, event: "on_update", doc: { name, status: `Step ${i}`, n: i } }));
    const r = await ingestEvents(t.db, { user: "Administrator" }, parseEventsBody(events));
    expect(r.queued).toBe(docs.length * webhooks);
  }
}

/** Requests to one document, in arrival order, with when each was answered. */
function timeline(doc: string, answeredAt: Map<string, number>) {
  return rec.received
    .filter((r) => stepOf(r.body).doc === doc)
    .map((r) => ({ n: stepOf(r.body).n, at: r.at, answered: answeredAt.get(r.headers["webhook-id"] as string) ?? Infinity }));
}

/** Answers slowly at random (and fails some first attempts) while recording when each request was answered. */
function randomReceiver(failFirstOf: Set<number>) {
  const answeredAt = new Map<string, number>();
  const failed = new Set<number>();
  rec.respond = (r) => {
    const { n } = stepOf(r.body);
    const delayMs = Math.floor(Math.random() * 25);
    const fail = failFirstOf.has(n) && !failed.has(n);
    if (fail) failed.add(n);
    // The last answer for a request id is the one that counts (a retry keeps the id).
    setTimeout(() => answeredAt.set(r.headers["webhook-id"] as string, Date.now()), delayMs);
    return { status: fail ? 500 : 200, delayMs };
  };
  return answeredAt;
}

/** Every request of the timeline arrived after the one before it was answered, in step order. */
function expectInOrder(steps: { n: number; at: number; answered: number }[], count: number) {
  expect(steps.map((s) => s.n)).toEqual([...steps.map((s) => s.n)].sort((a, b) => a - b));
  expect(new Set(steps.map((s) => s.n)).size).toBe(count);
  for (let i = 1; i < steps.length; i++) {
    const prev = steps[i - 1];
    const cur = steps[i];
    if (prev && cur && cur.n !== prev.n) expect(cur.at).toBeGreaterThanOrEqual(prev.answered);
  }
}

describe("Send in Order per Document", () => {
  it("delivers 100 updates of one document in order across two dispatchers, with random delays and retries", async () => {
    await insertWebhook(t.db, { name: "ordered", url: `${rec.url}/hook`, sendInOrder: true, maxRetries: 3 });
    const answeredAt = randomReceiver(new Set([3, 17, 42, 43, 77, 99]));
    await postUpdates(["QTN-00001"], 100);
    dispatcher(connection(), CONCURRENT);
    dispatcher(connection(), CONCURRENT);
    await until(
      async () => (await t.db.select().from(delivery)).length === 0 && rec.received.length >= 106,
      30_000,
      "all 100 updates delivered",
    );
    const steps = timeline("QTN-00001", answeredAt);
    expect(steps).toHaveLength(106);
    expectInOrder(steps, 100);
    const logs = await t.db.select({ status: webhookRequestLog.status }).from(webhookRequestLog);
    expect(logs.every((l) => l.status === LOG_STATUS.delivered)).toBe(true);
  });

  it("keeps each document in order while different documents go in parallel", async () => {
    await insertWebhook(t.db, { name: "ordered", url: `${rec.url}/hook`, sendInOrder: true });
    const answeredAt = new Map<string, number>();
    let inflight = 0;
    let most = 0;
    rec.respond = (r) => {
      inflight += 1;
      most = Math.max(most, inflight);
      // The first request of QTN-A is slow: B and C must not wait behind it.
      const { doc, n } = stepOf(r.body);
      const delayMs = doc === "QTN-A" && n === 0 ? 1500 : 20;
      setTimeout(() => {
        inflight -= 1;
        answeredAt.set(r.headers["webhook-id"] as string, Date.now());
      }, delayMs);
      return { delayMs };
    };
    await postUpdates(["QTN-A", "QTN-B", "QTN-C"], 10);
    dispatcher(connection(), CONCURRENT);
    dispatcher(connection(), CONCURRENT);
    await until(() => rec.received.length >= 30 && answeredAt.size >= 30, 20_000, "all 30 requests answered");
    for (const doc of ["QTN-A", "QTN-B", "QTN-C"]) expectInOrder(timeline(doc, answeredAt), 10);
    // B and C were all delivered while A's first request was still being answered.
    const aFirstAnswered = timeline("QTN-A", answeredAt)[0]?.answered ?? 0;
    for (const doc of ["QTN-B", "QTN-C"])
      expect(Math.max(...timeline(doc, answeredAt).map((s) => s.answered))).toBeLessThan(aFirstAnswered);
    // Three documents, one request each at a time, in parallel.
    expect(most).toBeGreaterThanOrEqual(2);
    expect(most).toBeLessThanOrEqual(3);
  });

  it("lets the next update go once the previous one is Exhausted", async () => {
    await insertWebhook(t.db, { name: "ordered", url: `${rec.url}/hook`, sendInOrder: true, maxRetries: 1 });
    rec.respond = (r) => ({ status: stepOf(r.body).n === 0 ? 503 : 200 });
    await postUpdates(["QTN-X"], 3);
    dispatcher(t.db);
    await until(() => rec.received.length >= 4, 10_000, "two attempts of the first update, then the other two");
    expect(rec.received.map((r) => stepOf(r.body).n)).toEqual([0, 0, 1, 2]);
    await until(async () => (await t.db.select().from(delivery)).length === 0, 5000, "the queue to drain");
    const statuses = (await t.db.select({ status: webhookRequestLog.status, n: webhookRequestLog.data }).from(webhookRequestLog))
      .map((l) => [stepOf(l.n ?? "").n, l.status] as const)
      .sort((a, b) => a[0] - b[0]);
    expect(statuses.map((s) => s[1])).toEqual([LOG_STATUS.exhausted, LOG_STATUS.delivered, LOG_STATUS.delivered]);
  });

  it("stores the order key only for webhooks that ask for order, and sends the others in parallel", async () => {
    await insertWebhook(t.db, { name: "ordered", url: `${rec.url}/ordered`, sendInOrder: true });
    await insertWebhook(t.db, { name: "free", url: `${rec.url}/free` });
    await postUpdates(["QTN-K"], 2, 2);
    const rows = await t.db.select({ webhook: delivery.webhook, orderKey: delivery.orderKey }).from(delivery);
    expect(rows.filter((r) => r.webhook === "ordered").map((r) => r.orderKey)).toEqual([
      orderKeyOf("Quotation", "QTN-K"),
      orderKeyOf("Quotation", "QTN-K"),
    ]);
    expect(rows.filter((r) => r.webhook === "free").map((r) => r.orderKey)).toEqual([null, null]);
    // The unordered webhook's two requests are in flight together; the ordered one's are not.
    const seen: string[] = [];
    rec.respond = (r) => {
      seen.push(r.url);
      return { delayMs: 300 };
    };
    dispatcher(t.db, CONCURRENT);
    await until(() => seen.filter((u) => u === "/free").length === 2, 5000, "both unordered requests in flight");
    expect(seen.filter((u) => u === "/ordered")).toHaveLength(1);
    await until(() => seen.filter((u) => u === "/ordered").length === 2, 5000, "the second ordered request, after the first");
  });

  it("says on the log what a waiting request waits for (the document's earlier request)", async () => {
    await insertWebhook(t.db, { name: "ordered", url: `${rec.url}/hook`, sendInOrder: true });
    const w = { name: "ordered", url: `${rec.url}/hook`, orderKey: () => orderKeyOf("Quotation", "QTN-W") };
    const [first, second] = await enqueue(t.db, w, ['{"name":"QTN-W","doc":{"n":0}}', '{"name":"QTN-W","doc":{"n":1}}']);
    const admin = { user: "Administrator", fullName: "Administrator", roles: ["System Manager"], via: "session" as const };
    expect((await getLog(admin, second?.log ?? "")).waitingFor).toBe(first?.log);
    expect((await getLog(admin, first?.log ?? "")).waitingFor).toBeNull();
  });

  it("gives a waiting delivery its turn when the one before it is purged with its log", async () => {
    await insertWebhook(t.db, { name: "ordered", url: `${rec.url}/hook`, sendInOrder: true });
    const w = { name: "ordered", url: `${rec.url}/hook`, orderKey: () => orderKeyOf("Quotation", "QTN-P") };
    const now = Date.now();
    const [first] = await enqueue(t.db, w, ['{"name":"QTN-P","doc":{"n":0}}'], now - 60_000);
    const [second] = await enqueue(t.db, w, ['{"name":"QTN-P","doc":{"n":1}}'], now);
    // The first one fails and waits a minute for its retry; the second waits behind it.
    rec.respond = () => ({ status: 500 });
    dispatcher(t.db, { retryScheduleMs: [60_000] });
    await until(() => rec.received.length >= 1, 5000, "the first attempt");
    await until(
      async () =>
        (
          await t.db
            .select()
            .from(webhookRequestLog)
            .where(eq(webhookRequestLog.name, first?.log ?? ""))
        )[0]?.status === LOG_STATUS.failed,
      5000,
      "the first one's retry to be scheduled",
    );
    expect(rec.received).toHaveLength(1);
    // Retention purges the first one's log (and its delivery) before the retry comes.
    rec.respond = () => ({ status: 200 });
    expect(await tx((x) => purgeLogsBefore(x, now - 30_000, 100), {}, t.db)).toBe(1);
    await until(() => rec.received.length >= 2, 5000, "the second delivery");
    expect(rec.received[1]?.headers["webhook-id"]).toBe(second?.id);
  });
});
