// GET /metrics on a real database (SQLite, and PostgreSQL in npm test's second pass): values
// move as events arrive and deliveries are sent, scraped before and after through the route.
import { NextRequest } from "next/server";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GET } from "@/app/metrics/route";
import { loadDispatcherConfig } from "@/lib/dispatcher/config";
import { Dispatcher } from "@/lib/dispatcher/dispatcher";
import { insertWebhook, startReceiver, until, type Receiver } from "@/lib/dispatcher/test-support";
import { ingestEvents, parseEventsBody } from "@/lib/services/event/events";
import { freshDb, type FreshDb } from "@/test/db";

const TOKEN = "metrics-test-token-0123456789";
beforeAll(() => {
  process.env.WEBHOOK_DESK_ENCRYPTION_KEY = "metrics-test-key";
  process.env.WEBHOOK_ALLOW_PRIVATE_NETWORK = "1";
});

let t: FreshDb;
let rec: Receiver;
let dispatcher: Dispatcher | undefined;
beforeEach(async () => {
  process.env.METRICS_TOKEN = TOKEN;
  t = await freshDb();
  rec = await startReceiver();
});
afterEach(async () => {
  await dispatcher?.stop(100);
  dispatcher = undefined;
  await rec.close();
  await t.close();
  delete process.env.METRICS_TOKEN;
});

const scrape = (authorization?: string) =>
  GET(new NextRequest("http://desk.test/metrics", authorization ? { headers: { authorization } } : {}));

/** The sample `name{labels}` of an exposition text (labels as written, in order), 0 when absent. */
async function sample(name: string, labels = ""): Promise<number> {
  const text = await (await scrape(`Bearer ${TOKEN}`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ""} `));
  return line ? Number(line.split(" ").pop()) : 0;
}

const emit = (n: number, doctype = "Quotation") =>
  ingestEvents(
    t.db,
    { user: "Administrator" },
    parseEventsBody(Array.from({ length: n }, (_, i) => ({ doctype, event: "on_update", doc: { name: `M-${Date.now()}-${i}` } }))),
  );

describe("GET /metrics", () => {
  it("answers the bearer token and System Managers only", async () => {
    const ok = await scrape(`Bearer ${TOKEN}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await ok.text();
    expect(text).toContain("# TYPE webhook_desk_queue_depth gauge");
    expect(text).toContain("process_cpu_user_seconds_total");
    expect((await scrape("Bearer wrong-token-of-same-size-xx")).status).toBe(401);
    // (No credentials at all: the route matrix's anonymous row, e2e, where a session can be looked up.)
    expect((await scrape("token nokey:nosecret")).status).toBe(401);
    delete process.env.METRICS_TOKEN;
    const off = await scrape(`Bearer ${TOKEN}`);
    expect(off.status).toBe(401);
    expect((await off.json()).error.message).toMatch(/not enabled/);
  });

  it("moves as events arrive and requests are sent", async () => {
    await insertWebhook(t.db, { name: "hook", url: `${rec.url}/hook` });
    await insertWebhook(t.db, { name: "gone", url: `${rec.url}/gone`, doctype: "Quotation" });
    rec.respond = (r) => (r.url === "/gone" ? { status: 500, body: "down" } : { status: 200, body: "ok" });
    const before = {
      events: await sample("webhook_desk_events_received_total", 'doctype="Quotation",event="on_update"'),
      queued: await sample("webhook_desk_deliveries_queued_total", 'queue="default"'),
      delivered: await sample("webhook_desk_delivery_attempts_total", 'outcome="Delivered",status_class="2xx"'),
      failed: await sample("webhook_desk_delivery_attempts_total", 'outcome="Failed",status_class="5xx"'),
      firstAttempts: await sample("webhook_desk_delivery_first_attempt_delay_seconds_count", 'queue="default"'),
    };
    await emit(3);
    expect(await sample("webhook_desk_events_received_total", 'doctype="Quotation",event="on_update"')).toBe(before.events + 3);
    expect(await sample("webhook_desk_deliveries_queued_total", 'queue="default"')).toBe(before.queued + 6);
    // Nothing sends yet: all six wait in the default queue, the oldest already due.
    expect(await sample("webhook_desk_queue_depth", 'queue="default"')).toBe(6);
    dispatcher = new Dispatcher({
      db: t.db,
      config: { ...loadDispatcherConfig({}), retryScheduleMs: [60_000], jitter: false, pollMs: 20, leaseMarginMs: 500, drainMs: 1000 },
    });
    dispatcher.start();
    await until(
      async () => (await sample("webhook_desk_delivery_attempts_total", 'outcome="Delivered",status_class="2xx"')) >= before.delivered + 3,
      10_000,
      "3 delivered",
    );
    await until(
      async () => (await sample("webhook_desk_delivery_attempts_total", 'outcome="Failed",status_class="5xx"')) >= before.failed + 3,
      10_000,
      "3 failed",
    );
    expect(await sample("webhook_desk_delivery_first_attempt_delay_seconds_count", 'queue="default"')).toBe(before.firstAttempts + 6);
    expect(await sample("webhook_desk_delivery_attempt_duration_seconds_count", 'queue="default"')).toBeGreaterThanOrEqual(6);
    // The three failures wait for their retry a minute away: still in the queue, not due.
    await until(async () => (await sample("webhook_desk_queue_depth", 'queue="default"')) === 3, 10_000, "depth 3");
    expect(await sample("webhook_desk_queue_oldest_due_age_seconds", 'queue="default"')).toBe(0);
    expect(await sample("webhook_desk_requests_in_flight", 'queue="default"')).toBe(0);
  });
});
