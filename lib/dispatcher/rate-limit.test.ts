// Max Requests per Second, on either dialect: a limited webhook's excess waits (Queued, never
// dropped) without taking the slots other webhooks need, and the limit is one limit for every
// dispatcher on the database. Real loopback receiver; deliveries queued through the store.
import { eq, inArray } from "drizzle-orm";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DB } from "@/db";
import { delivery, webhookRateSlot, webhookRequestAttempt, webhookRequestLog } from "@/db/schema";
import { slotIntervalMs } from "@/lib/delivery/rate-limit";
import { freshDb, type FreshDb } from "@/test/db";
import { enqueue, fleet, insertWebhook, startReceiver, until, type Receiver } from "./test-support";

beforeAll(() => {
  process.env.WEBHOOK_DESK_ENCRYPTION_KEY = "rate-limit-test-key";
  process.env.WEBHOOK_ALLOW_PRIVATE_NETWORK = "1";
});

let t: FreshDb;
let rec: Receiver;
const f = fleet({ pollMs: 1000 });
const connection = () => f.connection(t);
const dispatcher = f.dispatcher;

beforeEach(async () => {
  t = await freshDb({ seed: false });
  rec = await startReceiver();
});
afterEach(async () => {
  await f.close();
  await rec.close();
  await t.close();
});

const arrivals = (path: string) =>
  rec.received
    .filter((r) => r.url === path)
    .map((r) => r.at)
    .sort((a, b) => a - b);

/** When each request of these logs was sent (its attempt's start, as the dispatcher recorded it), in order. */
async function sendTimes(db: DB, logs: string[]): Promise<number[]> {
  const rows = await db
    .select({ started: webhookRequestAttempt.started })
    .from(webhookRequestAttempt)
    .where(inArray(webhookRequestAttempt.log, logs));
  return rows.map((r) => r.started).sort((a, b) => a - b);
}

/**
 * How far the sends ran ahead of the limit, in ms (≤ 0: never faster). Each request goes at or
 * after its own slot, the slots `intervalMs` apart, so the i-th send is no earlier than the i-th
 * slot. The first slot is read back from the shared row: a backlog queued at once takes its n
 * slots in one run, so the row ends n intervals past the first. (A request a busy dispatcher
 * sent late may go close to the next one; it is not made up for.)
 */
async function earliest(db: DB, webhook: string, times: number[], intervalMs: number): Promise<number> {
  const [row] = await db.select().from(webhookRateSlot).where(eq(webhookRateSlot.webhook, webhook));
  const first = (row?.nextAt ?? 0) - times.length * intervalMs;
  return Math.max(...times.map((t, i) => first + i * intervalMs - t));
}

describe("Max Requests per Second", () => {
  it("rounds the gap between two requests up, decimals included", () => {
    expect(slotIntervalMs(0.5)).toBe(2000);
    expect(slotIntervalMs(3)).toBe(334);
    expect(slotIntervalMs(50)).toBe(20);
  });

  it("holds a limited webhook's excess (Queued, not dropped) while another webhook is sent at once", async () => {
    await insertWebhook(t.db, { name: "slow", url: `${rec.url}/slow`, maxRequestsPerSecond: 10 });
    await insertWebhook(t.db, { name: "fast", url: `${rec.url}/fast` });
    const slow = await enqueue(
      t.db,
      { name: "slow", url: `${rec.url}/slow` },
      Array.from({ length: 15 }, (_, i) => `{"n":${i}}`),
    );
    // Four slots and no per-webhook cap: if waiting deliveries held slots, "fast" would stall behind them.
    dispatcher(t.db, { concurrency: { short: 4, default: 4, long: 4 }, maxInflightPerWebhook: 0 });
    await until(() => arrivals("/slow").length >= 2, 5000, "the first slow requests");
    const fast = await enqueue(
      t.db,
      { name: "fast", url: `${rec.url}/fast` },
      Array.from({ length: 40 }, (_, i) => `{"f":${i}}`),
    );
    await until(() => arrivals("/fast").length >= fast.length, 5000, "every fast request");
    // The fast webhook went through while the slow one still had most of its backlog waiting.
    const waiting = await t.db
      .select({ status: webhookRequestLog.status })
      .from(webhookRequestLog)
      .where(
        inArray(
          webhookRequestLog.name,
          slow.map((q) => q.log),
        ),
      );
    expect(arrivals("/slow").length).toBeLessThan(12);
    expect(waiting.filter((l) => l.status === "Queued").length).toBeGreaterThanOrEqual(3);
    const pending = await t.db.select().from(delivery).where(eq(delivery.webhook, "slow"));
    expect(pending.every((d) => d.leaseOwner === null || d.rateSlot === null)).toBe(true);
    // Every slow request arrives, none faster than 10/s.
    await until(() => arrivals("/slow").length >= slow.length, 10_000, "every slow request");
    await until(
      async () => {
        const rows = await t.db.select({ status: webhookRequestLog.status }).from(webhookRequestLog);
        return rows.length === slow.length + fast.length && rows.every((r) => r.status === "Delivered");
      },
      5000,
      "every request Delivered",
    );
    const times = await sendTimes(
      t.db,
      slow.map((q) => q.log),
    );
    expect(times).toHaveLength(slow.length);
    expect(await earliest(t.db, "slow", times, 100)).toBeLessThanOrEqual(0);
    expect(await t.db.select().from(delivery)).toEqual([]);
  });

  it("reserves a large backlog's slots only a second ahead, and other webhooks' work does not wait behind it", async () => {
    await insertWebhook(t.db, { name: "backlog", url: `${rec.url}/backlog`, maxRequestsPerSecond: 10 });
    await insertWebhook(t.db, { name: "other", url: `${rec.url}/other` });
    await enqueue(
      t.db,
      { name: "backlog", url: `${rec.url}/backlog` },
      Array.from({ length: 300 }, (_, i) => `{"n":${i}}`),
    );
    dispatcher(t.db, { concurrency: { short: 4, default: 4, long: 4 }, maxInflightPerWebhook: 0 });
    await until(() => arrivals("/backlog").length >= 2, 5000, "the first backlog requests");
    const other = await enqueue(
      t.db,
      { name: "other", url: `${rec.url}/other` },
      Array.from({ length: 40 }, (_, i) => `{"o":${i}}`),
    );
    // Queued after 300 due deliveries of the limited webhook, and through in well under its 30 s.
    await until(() => arrivals("/other").length >= other.length, 3000, "every request of the other webhook");
    const reserved = (await t.db.select().from(delivery).where(eq(delivery.webhook, "backlog"))).filter((d) => d.rateSlot !== null);
    // One second of slots at 10/s (and the one being sent), not the whole backlog.
    expect(reserved.length).toBeLessThanOrEqual(12);
    expect(arrivals("/backlog").length).toBeLessThan(40);
  });

  it("is one limit for two dispatchers on one database", async () => {
    await insertWebhook(t.db, { name: "shared", url: `${rec.url}/shared`, maxRequestsPerSecond: 20 });
    const queued = await enqueue(
      t.db,
      { name: "shared", url: `${rec.url}/shared` },
      Array.from({ length: 24 }, (_, i) => `{"n":${i}}`),
    );
    const a = dispatcher(connection());
    const b = dispatcher(connection());
    await until(() => arrivals("/shared").length >= queued.length, 10_000, "every request");
    await until(
      async () => (await t.db.select({ status: webhookRequestLog.status }).from(webhookRequestLog)).every((r) => r.status === "Delivered"),
      5000,
      "every request Delivered",
    );
    // Both sent some of them (one limit, not one dispatcher doing it all)…
    expect(a.stats.sent).toBeGreaterThan(0);
    expect(b.stats.sent).toBeGreaterThan(0);
    expect(a.stats.sent + b.stats.sent).toBe(queued.length);
    // …and together no faster than 20/s: two separate limits would have sent at 40/s.
    const times = await sendTimes(
      t.db,
      queued.map((q) => q.log),
    );
    expect(times).toHaveLength(queued.length);
    expect(await earliest(t.db, "shared", times, 50)).toBeLessThanOrEqual(0);
    // The limit holds without starving it either: about 20/s, not far below.
    expect((times.at(-1) ?? 0) - (times[0] ?? 0)).toBeLessThan((queued.length - 1) * 50 * 1.5);
  });
});
