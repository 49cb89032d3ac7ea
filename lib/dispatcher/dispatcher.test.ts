import { createHmac } from "node:crypto";
import { asc, eq } from "drizzle-orm";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DB } from "@/db";
import { delivery, webhookRequestAttempt, webhookRequestLog } from "@/db/schema";
import { ingestEvents, parseEventsBody } from "@/lib/services/event/events";
import { resendStored } from "@/lib/delivery/resend";
import { freshDb, type FreshDb } from "@/test/db";
import { loadDispatcherConfig } from "./config";
import { Dispatcher } from "./dispatcher";
import { insertWebhook, startReceiver, until, type Receiver, type WebhookFixture } from "./test-support";

beforeAll(() => {
  process.env.WEBHOOK_DESK_ENCRYPTION_KEY = "dispatcher-test-key";
});

let t: FreshDb;
let db: DB;
let rec: Receiver;
let dispatcher: Dispatcher;

function start(overrides: Partial<ReturnType<typeof loadDispatcherConfig>> = {}) {
  dispatcher = new Dispatcher({
    db,
    config: {
      ...loadDispatcherConfig({}),
      retryScheduleMs: [100, 200],
      jitter: false,
      pollMs: 20,
      leaseMarginMs: 500,
      drainMs: 2000,
      ...overrides,
    },
  });
  dispatcher.start();
}

beforeEach(async () => {
  process.env.WEBHOOK_ALLOW_PRIVATE_NETWORK = "1";
  delete process.env.WEBHOOK_ALLOWED_HOSTS;
  t = await freshDb();
  db = t.db;
  rec = await startReceiver();
});
afterEach(async () => {
  await dispatcher?.stop(100);
  await rec.close();
  await t.close();
});

const hook = (f: Partial<WebhookFixture> = {}) => insertWebhook(db, { name: "hook", url: `${rec.url}/hook`, ...f });
const emit = (docs: Record<string, unknown>[], event = "on_update", doctype = "Quotation") =>
  ingestEvents(db, { user: "Administrator" }, parseEventsBody(docs.map((doc) => ({ doctype, event, doc }))));
const logs = () => db.select().from(webhookRequestLog).orderBy(asc(webhookRequestLog.created), asc(webhookRequestLog.name));
const attempts = (log: string) =>
  db.select().from(webhookRequestAttempt).where(eq(webhookRequestAttempt.log, log)).orderBy(asc(webhookRequestAttempt.attempt));
const deliveries = () => db.select().from(delivery);
const settled = (n: number, status = "Delivered") =>
  until(async () => (await logs()).filter((l) => l.status === status).length >= n, 10_000, `${n} ${status}`);

describe("dispatcher", () => {
  it("sends the stored request with its headers, body, webhook-id and a Frappe signature that verifies", async () => {
    await hook({
      secret: "s3cret",
      headers: [
        { key: "Authorization", value: "Bearer topsecret" },
        { key: "X-Custom", value: "1" },
      ],
      apiKey: "k-123",
    });
    start();
    await emit([{ name: "QTN-1", status: "Open" }]);
    const [r] = await rec.waitFor(1);
    expect(r?.method).toBe("POST");
    expect(r?.url).toBe("/hook");
    expect(r?.headers["content-type"]).toMatch(/application\/json/);
    expect(r?.headers["x-custom"]).toBe("1");
    expect(r?.headers.authorization).toBe("Bearer topsecret");
    expect(JSON.parse(r?.body ?? "")).toMatchObject({ name: "QTN-1", status: "Open" });
    const expected = createHmac("sha256", "s3cret")
      .update(r?.body ?? "")
      .digest("base64");
    expect(r?.headers["x-frappe-webhook-signature"]).toBe(expected);
    await settled(1);
    const [log] = await logs();
    const d = JSON.parse(log?.headers ?? "{}") as Record<string, string>;
    expect(r?.headers["webhook-id"]).toBe(d["webhook-id"]);
    // What the log shows is masked.
    expect(JSON.stringify(d)).not.toContain("topsecret");
    expect(JSON.stringify(d)).not.toContain(expected);
    expect(JSON.stringify(d)).not.toContain("k-123");
    expect(log).toMatchObject({ status: "Delivered", httpStatus: 200, attempts: 1, response: "ok", error: null, nextRetry: null });
    expect(log?.durationMs).toEqual(expect.any(Number));
    expect(await attempts(log?.name ?? "")).toMatchObject([{ attempt: 1, success: true, httpStatus: 200, response: "ok" }]);
    expect(await deliveries()).toEqual([]);
  });

  it("signs with Standard Webhooks at send time, with the current and the unexpired previous secret", async () => {
    const secret = "whsec_" + Buffer.from("0123456789abcdef0123456789abcdef").toString("base64");
    const previous = "whsec_" + Buffer.from("fedcba9876543210fedcba9876543210").toString("base64");
    await hook({ secret, previousSecret: previous, previousSecretExpires: Date.now() + 60_000, scheme: "standard" });
    start();
    await emit([{ name: "QTN-1" }]);
    const [r] = await rec.waitFor(1);
    const id = String(r?.headers["webhook-id"]);
    const ts = String(r?.headers["webhook-timestamp"]);
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(5);
    const sig = (s: string) =>
      "v1," +
      createHmac("sha256", Buffer.from(s.slice(6), "base64"))
        .update(`${id}.${ts}.${r?.body}`)
        .digest("base64");
    const sent = String(r?.headers["webhook-signature"]).split(" ");
    expect(sent).toContain(sig(secret));
    expect(sent).toContain(sig(previous));
    expect(r?.headers["x-frappe-webhook-signature"]).toBeUndefined();
  });

  it("sends form bodies and dynamic URLs", async () => {
    await hook({
      structure: "Form URL-Encoded",
      method: "PUT",
      isDynamicUrl: true,
      url: `${rec.url}/q/{{ doc.name }}`,
      data: [
        { fieldname: "name", key: "id" },
        { fieldname: "status", key: "state" },
      ],
    });
    start();
    await emit([{ name: "QTN-9", status: "Open" }]);
    const [r] = await rec.waitFor(1);
    expect(r?.method).toBe("PUT");
    expect(r?.url).toBe("/q/QTN-9");
    expect(r?.headers["content-type"]).toMatch(/application\/x-www-form-urlencoded/);
    expect(new URLSearchParams(r?.body).get("id")).toBe("QTN-9");
    expect(new URLSearchParams(r?.body).get("state")).toBe("Open");
  });

  it("retries failures with the same webhook-id until success", async () => {
    await hook();
    rec.respond = (_r, n) => (n <= 2 ? { status: 500, body: "boom" } : { status: 204 });
    start();
    await emit([{ name: "QTN-1" }]);
    await rec.waitFor(3);
    await settled(1);
    expect(new Set(rec.received.map((r) => r.headers["webhook-id"])).size).toBe(1);
    const [log] = await logs();
    expect(log).toMatchObject({ status: "Delivered", attempts: 3, httpStatus: 204 });
    expect((await attempts(log?.name ?? "")).map((a) => [a.attempt, a.success, a.httpStatus, a.response])).toEqual([
      [1, false, 500, "boom"],
      [2, false, 500, "boom"],
      [3, true, 204, ""],
    ]);
    // The schedule (100 ms, 200 ms) spaced them.
    const [a, b, c] = rec.received.map((r) => r.at);
    expect((b ?? 0) - (a ?? 0)).toBeGreaterThanOrEqual(80);
    expect((c ?? 0) - (b ?? 0)).toBeGreaterThanOrEqual(160);
  });

  it("marks Failed with next_retry while retrying, and Exhausted after max_retries", async () => {
    await hook({ maxRetries: 1 });
    rec.respond = () => ({ status: 503, body: "down" });
    start({ retryScheduleMs: [400] });
    await emit([{ name: "QTN-1" }]);
    await rec.waitFor(1);
    const failed = await until(async () => (await logs()).find((l) => l.status === "Failed"), 5000, "Failed");
    expect(failed.nextRetry).toBeGreaterThan(Date.now() - 100);
    expect(failed.error).toMatch(/503/);
    await settled(1, "Exhausted");
    expect(rec.received).toHaveLength(2);
    expect((await logs())[0]).toMatchObject({ attempts: 2, nextRetry: null });
    expect(await deliveries()).toEqual([]);
  });

  it("honours Retry-After", async () => {
    await hook();
    rec.respond = (_r, n) => (n === 1 ? { status: 429, headers: { "Retry-After": "1" } } : { status: 200 });
    start();
    await emit([{ name: "QTN-1" }]);
    const [a, b] = await rec.waitFor(2, 5000);
    expect((b?.at ?? 0) - (a?.at ?? 0)).toBeGreaterThanOrEqual(900);
  });

  it("stops at 410 Gone, and does not follow redirects", async () => {
    await hook({ name: "gone", url: `${rec.url}/gone` });
    await hook({ name: "moved", url: `${rec.url}/moved`, maxRetries: 0 });
    rec.respond = (r) =>
      r.url === "/gone"
        ? { status: 410 }
        : r.url === "/moved"
          ? { status: 302, headers: { Location: `${rec.url}/elsewhere` } }
          : { status: 200 };
    start();
    await emit([{ name: "QTN-1" }]);
    await settled(2, "Exhausted");
    // Nothing is left to send: no further request can come.
    expect(await deliveries()).toEqual([]);
    expect(rec.received.map((r) => r.url).sort()).toEqual(["/gone", "/moved"]);
    const byHook = Object.fromEntries((await logs()).map((l) => [l.webhook, l]));
    expect(byHook.gone).toMatchObject({ httpStatus: 410, attempts: 1 });
    expect(byHook.moved?.error).toMatch(/Redirect \(302.*not followed/);
  });

  it("times out at the webhook's timeout", async () => {
    await hook({ timeout: 1, maxRetries: 0 });
    rec.respond = () => ({ hang: true });
    start();
    await emit([{ name: "QTN-1" }]);
    await settled(1, "Exhausted");
    const [log] = await logs();
    expect(log?.error).toMatch(/Timed out after 1000 ms/);
    expect(log?.durationMs).toBeGreaterThanOrEqual(950);
  });

  it("caps the stored response at 64 KiB", async () => {
    await hook();
    rec.respond = () => ({ status: 200, body: "z".repeat(200 * 1024) });
    start();
    await emit([{ name: "QTN-1" }]);
    await settled(1);
    const [log] = await logs();
    expect(log?.response?.length).toBeLessThan(64 * 1024 + 100);
    expect((await attempts(log?.name ?? ""))[0]?.response?.length).toBeLessThan(64 * 1024 + 100);
  });

  it("records an error response larger than 64 KiB as that HTTP status, not a dropped connection", async () => {
    await hook({ maxRetries: 0 });
    rec.respond = () => ({ status: 500, body: "e".repeat(300 * 1024) });
    start();
    await emit([{ name: "QTN-1" }]);
    await settled(1, "Exhausted");
    const [log] = await logs();
    expect(log).toMatchObject({ httpStatus: 500 });
    expect(log?.error).toMatch(/^HTTP 500/);
    expect(log?.error).not.toMatch(/Connection closed/);
    expect(log?.response?.startsWith("e".repeat(64 * 1024))).toBe(true);
    expect(log?.response).toContain("truncated at 64 KiB");
  });

  it("sends a Resend as exactly one manual attempt with the original webhook-id, keeping the terminal status", async () => {
    await hook({ maxRetries: 1 });
    rec.respond = () => ({ status: 500, body: "boom" });
    start();
    await emit([{ name: "QTN-1" }]);
    await settled(1, "Exhausted");
    const [first] = await logs();
    const name = first?.name ?? "";
    const originalId = rec.received[0]?.headers["webhook-id"];
    expect(rec.received).toHaveLength(2);

    await resendStored(db, name);
    await until(
      async () => (await attempts(name)).length === 3 && (await logs())[0]?.status === "Exhausted",
      5000,
      "manual attempt recorded",
    );
    // No retry follows a manual attempt: nothing is left to send.
    expect(await deliveries()).toEqual([]);
    expect(rec.received).toHaveLength(3);
    expect(rec.received[2]?.headers["webhook-id"]).toBe(originalId);
    expect((await logs())[0]).toMatchObject({
      status: "Exhausted",
      attempts: 3,
      nextRetry: null,
      error: "Manual resend failed: HTTP 500 Internal Server Error",
    });
    expect((await attempts(name))[2]).toMatchObject({ attempt: 3, manual: true, success: false });

    rec.respond = () => ({ status: 200 });
    await resendStored(db, name);
    await settled(1, "Delivered");
    expect(rec.received).toHaveLength(4);
    expect(rec.received[3]?.headers["webhook-id"]).toBe(originalId);
    expect((await logs())[0]).toMatchObject({ attempts: 4, error: null });
  });

  it("refuses private addresses unless allowed, and logs how to allow them", async () => {
    delete process.env.WEBHOOK_ALLOW_PRIVATE_NETWORK;
    await hook({ url: `http://localhost:${rec.port}/hook` });
    start();
    await emit([{ name: "QTN-1" }]);
    await settled(1, "Error");
    const [log] = await logs();
    expect(log?.error).toMatch(/WEBHOOK_ALLOW_PRIVATE_NETWORK=1/);
    expect(log?.attempts).toBe(1);
    expect(rec.received).toHaveLength(0);
    expect(await deliveries()).toEqual([]);
  });

  it("keeps a slow queue from starving the others", async () => {
    await hook({ name: "slow", url: `${rec.url}/slow`, queue: "long" });
    await hook({ name: "fast", url: `${rec.url}/fast`, queue: "default" });
    rec.respond = (r) => (r.url === "/slow" ? { status: 200, delayMs: 1500 } : { status: 200 });
    start({ concurrency: { short: 1, default: 4, long: 1 } });
    await emit(Array.from({ length: 10 }, (_, i) => ({ name: `Q-${i}` })));
    await until(
      async () => (await logs()).filter((l) => l.webhook === "fast" && l.status === "Delivered").length === 10,
      5000,
      "fast deliveries",
    );
    expect((await logs()).filter((l) => l.webhook === "slow" && l.status === "Delivered").length).toBeLessThanOrEqual(1);
  });

  it("on stop, lets in-flight requests finish and releases what it could not", async () => {
    await hook();
    rec.respond = (r) => (r.body.includes("Q-slow") ? { hang: true } : { status: 200, delayMs: 200 });
    start();
    await emit([{ name: "Q-ok" }, { name: "Q-slow" }]);
    await rec.waitFor(2);
    await dispatcher.stop(600);
    const byDoc = Object.fromEntries((await logs()).map((l) => [l.referenceDocument, l]));
    expect(byDoc["Q-ok"]?.status).toBe("Delivered");
    expect(byDoc["Q-slow"]?.status).toBe("Queued");
    const left = await deliveries();
    expect(left).toHaveLength(1);
    expect(left[0]).toMatchObject({ leaseOwner: null, leaseUntil: null, attempts: 0 });
  });
});
