// Seed 004 on the wire: the event envelope, multi-event webhooks, the API key header,
// Standard Webhooks signatures (checked here independently with node:crypto), rotation,
// after-the-fact verification and Send Test, against a real receiver on loopback.
import { createHmac, timingSafeEqual } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DB } from "@/db";
import { version, webhook, webhookRequestAttempt, webhookRequestLog } from "@/db/schema";
import type { Actor } from "@/lib/auth/roles";
import { loadDispatcherConfig } from "@/lib/dispatcher/config";
import { Dispatcher } from "@/lib/dispatcher/dispatcher";
import { insertWebhook, startReceiver, until, type Receiver, type WebhookFixture } from "@/lib/dispatcher/test-support";
import { freshDb, type FreshDb } from "@/test/db";
import { ingestEvents, parseEventsBody } from "../event/events";
import { VERDICT, verifyDelivery } from "../request-log/request-log-verify";
import { ROTATION_GRACE_MS, rotateWebhookSecret } from "./webhook-secret";
import { sendTestWebhook } from "./webhook-test-send";
import { getWebhook } from "./webhooks";

beforeAll(() => {
  process.env.WEBHOOK_DESK_ENCRYPTION_KEY = "seed-004-test-key";
});

const admin: Actor = { user: "Administrator", fullName: "Administrator", roles: ["System Manager"], via: "session" };
const deskUser: Actor = { user: "someone@example.com", fullName: "", roles: ["Desk User"], via: "session" };
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

let t: FreshDb;
let db: DB;
let rec: Receiver;
let dispatcher: Dispatcher | undefined;

beforeEach(async () => {
  process.env.WEBHOOK_ALLOW_PRIVATE_NETWORK = "1";
  t = await freshDb();
  db = t.db;
  rec = await startReceiver();
});
afterEach(async () => {
  await dispatcher?.stop(100);
  dispatcher = undefined;
  await rec.close();
  await t.close();
});

function start() {
  dispatcher = new Dispatcher({
    db,
    config: { ...loadDispatcherConfig({}), retryScheduleMs: [100], jitter: false, pollMs: 20, leaseMarginMs: 500, drainMs: 2000 },
  });
  dispatcher.start();
}

const hook = (f: Partial<WebhookFixture> = {}) =>
  insertWebhook(db, { name: "seed4", url: `${rec.url}/hook`, structure: "Event Envelope", ...f });
const post = (events: { event: string; doc: Record<string, unknown> }[]) =>
  ingestEvents(
    db,
    { user: "Administrator" },
    parseEventsBody(events.map((e) => ({ doctype: "Quotation", user: "jane@example.com", ...e }))),
  );
const logs = () => db.select().from(webhookRequestLog).orderBy(webhookRequestLog.created, webhookRequestLog.name);

/** The Standard Webhooks verification algorithm, written out independently of lib/renderer. */
function standardVerifies(headers: Record<string, string | string[] | undefined>, body: string, secret: string): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key)
    .update(`${String(headers["webhook-id"])}.${String(headers["webhook-timestamp"])}.${body}`)
    .digest();
  return String(headers["webhook-signature"])
    .split(" ")
    .filter((s) => s.startsWith("v1,"))
    .some((s) => {
      const got = Buffer.from(s.slice(3), "base64");
      return got.length === expected.length && timingSafeEqual(got, expected);
    });
}

describe("seed 004 on the wire", () => {
  it("sends the event envelope, once per matching event, with the API key (masked in the log) and a Standard signature", async () => {
    await hook({ events: ["on_update", "on_submit"], apiKey: "key-abcdefghijklmnop", secret: SECRET, scheme: "both" });
    start();
    const r = await post([
      { event: "on_update", doc: { name: "QTN-1", status: "Draft" } },
      { event: "on_submit", doc: { name: "QTN-1", status: "Submitted" } },
      { event: "on_cancel", doc: { name: "QTN-1" } },
    ]);
    expect(r.events.map((e) => e.deliveries.length)).toEqual([1, 1, 0]);
    const got = await rec.waitFor(2);
    const bodies = got.map((g) => JSON.parse(g.body) as Record<string, unknown>);
    expect(bodies.map((b) => b.event_type).sort()).toEqual(["Quotation.on_submit", "Quotation.on_update"]);
    for (const [i, b] of bodies.entries()) {
      expect(String(b.event_time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      expect(b.current_context).toEqual({
        user: "jane@example.com",
        doctype: "Quotation",
        name: "QTN-1",
        event_id: expect.stringMatching(/^evt_/),
      });
      expect(b.data).toMatchObject({ name: "QTN-1", doctype: "Quotation" });
      const g = got[i];
      expect(g?.headers["x-api-key"]).toBe("key-abcdefghijklmnop");
      expect(standardVerifies(g?.headers ?? {}, g?.body ?? "", SECRET)).toBe(true);
      expect(g?.headers["x-frappe-webhook-signature"]).toBe(
        createHmac("sha256", SECRET)
          .update(g?.body ?? "")
          .digest("base64"),
      );
    }
    await until(async () => (await logs()).filter((l) => l.status === "Delivered").length === 2, 10_000, "2 delivered");
    for (const l of await logs()) expect(l.headers).not.toContain("key-abcdefghijklmnop");
  });

  it("sends the Data mapping as the envelope's data, and a custom API key header", async () => {
    await hook({ apiKey: "custom-key-0123456789", apiKeyHeader: "X-Partner-Key", data: [{ fieldname: "status", key: "state" }] });
    start();
    await post([{ event: "on_update", doc: { name: "QTN-2", status: "Open" } }]);
    const [g] = await rec.waitFor(1);
    expect(JSON.parse(g?.body ?? "").data).toEqual({ state: "Open" });
    expect(g?.headers["x-partner-key"]).toBe("custom-key-0123456789");
    expect(g?.headers["x-api-key"]).toBeUndefined();
    await until(async () => (await logs())[0]?.status === "Delivered", 10_000, "delivered");
    expect((await logs())[0]?.headers).not.toContain("custom-key-0123456789");
  });

  it("rotates: two v1 signatures, each verifying with one secret, then one after expiry", async () => {
    await hook({ secret: SECRET, scheme: "standard" });
    await expect(rotateWebhookSecret(deskUser, "seed4", {}, db)).rejects.toThrow(/System Manager/);
    await insertWebhook(db, { name: "unsigned", url: `${rec.url}/u`, doctype: "Note" });
    await expect(rotateWebhookSecret(admin, "unsigned", {}, db)).rejects.toThrow(/Enable Security/);
    await expect(rotateWebhookSecret(admin, "missing", {}, db)).rejects.toThrow(/not found/);
    const rotated = await rotateWebhookSecret(admin, "seed4", {}, db);
    expect(rotated.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(rotated.previous_secret_expires).toBeGreaterThan(Date.now() + ROTATION_GRACE_MS - 5000);
    expect(JSON.stringify(await getWebhook(admin, "seed4", db))).not.toContain(rotated.secret);
    const v = await db.select().from(version).where(eq(version.docname, "seed4"));
    expect(v[0]?.data).toMatchObject({ comment: "webhook_secret rotated" });
    expect(JSON.stringify(v)).not.toContain(rotated.secret);

    start();
    await post([{ event: "on_update", doc: { name: "QTN-3" } }]);
    const [g] = await rec.waitFor(1);
    const sigs = String(g?.headers["webhook-signature"]).split(" ");
    expect(sigs).toHaveLength(2);
    expect(standardVerifies(g?.headers ?? {}, g?.body ?? "", rotated.secret)).toBe(true);
    expect(standardVerifies(g?.headers ?? {}, g?.body ?? "", SECRET)).toBe(true);
    expect(standardVerifies(g?.headers ?? {}, g?.body ?? "", "whsec_" + Buffer.alloc(24).toString("base64"))).toBe(false);

    // After the grace period only the new secret signs.
    await db
      .update(webhook)
      .set({ previousSecretExpires: Date.now() - 1, modified: Date.now() + 5 })
      .where(eq(webhook.name, "seed4"));
    await post([{ event: "on_update", doc: { name: "QTN-4" } }]);
    const later = (await rec.waitFor(2))[1];
    expect(String(later?.headers["webhook-signature"]).split(" ")).toHaveLength(1);
    expect(standardVerifies(later?.headers ?? {}, later?.body ?? "", rotated.secret)).toBe(true);
  });

  it("verifies a delivery after the fact, with reasons, and never returns the signatures", async () => {
    await hook({ secret: SECRET, scheme: "both" });
    await insertWebhook(db, { name: "plain", url: `${rec.url}/plain` });
    const r = await post([{ event: "on_update", doc: { name: "QTN-5" } }]);
    const [signedLog, plainLog] = [
      r.events[0]?.deliveries.find((d) => d.webhook === "seed4")?.request_log ?? "",
      r.events[0]?.deliveries.find((d) => d.webhook === "plain")?.request_log ?? "",
    ];
    expect(await verifyDelivery(admin, signedLog, { secret: SECRET }, db)).toMatchObject({ ok: false, reason: VERDICT.notSent });
    start();
    await until(async () => (await logs()).every((l) => l.status === "Delivered"), 10_000, "delivered");
    const good = await verifyDelivery(admin, signedLog, { secret: SECRET }, db);
    expect(good).toMatchObject({
      ok: true,
      scheme: "both",
      frappe: { ok: true, reason: VERDICT.matches },
      standard: { ok: true, reason: VERDICT.matches },
    });
    expect(JSON.stringify(good)).not.toMatch(/v1,/);
    const bad = await verifyDelivery(admin, signedLog, { secret: "whsec_" + Buffer.alloc(24, 1).toString("base64") }, db);
    expect(bad).toMatchObject({
      ok: false,
      frappe: { ok: false, reason: VERDICT.differs },
      standard: { ok: false, reason: VERDICT.differs },
    });
    expect(await verifyDelivery(admin, plainLog, { secret: SECRET }, db)).toMatchObject({
      ok: false,
      scheme: "none",
      reason: VERDICT.unsigned,
    });
    await expect(async () => verifyDelivery(deskUser, signedLog, { secret: SECRET }, db)).rejects.toThrow(/System Manager/);
    await expect(async () => verifyDelivery(admin, signedLog, { secret: "" }, db)).rejects.toThrow(/secret/);
  });

  it("verifies the Standard Webhooks spec's published example stored as a delivery", async () => {
    const now = Date.now();
    await db
      .insert(webhookRequestLog)
      .values({ name: "log_vector", status: "Delivered", data: '{"test": 2432232314}', attempts: 1, created: now, modified: now });
    const signature = JSON.stringify({
      id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
      timestamp: 1614265330,
      standard: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    });
    await db.insert(webhookRequestAttempt).values({ log: "log_vector", attempt: 1, started: now, success: true, signature });
    expect(await verifyDelivery(admin, "log_vector", { secret: SECRET }, db)).toMatchObject({
      ok: true,
      scheme: "standard",
      standard: { ok: true, reason: VERDICT.matches },
    });
    expect(
      (await verifyDelivery(admin, "log_vector", { secret: "whsec_" + Buffer.alloc(24, 7).toString("base64") }, db)).standard?.ok,
    ).toBe(false);
  });

  it("Send Test sends the unsaved form now, logs it as a test and shows the answer", async () => {
    rec.respond = () => ({ status: 200, headers: { "Content-Type": "application/json" }, body: '{"received": true}' });
    await post([{ event: "on_update", doc: { name: "QTN-6", status: "Open" } }]); // stores the document (no webhook yet)
    // The dispatcher sends it, as it sends everything.
    start();
    const form = {
      name: "draft",
      webhook_doctype: "Quotation",
      webhook_docevent: "on_update",
      request_url: `${rec.url}/test`,
      request_structure: "Event Envelope",
      enable_security: true,
      webhook_secret: SECRET,
      signature_scheme: "standard",
      api_key: "test-key-0123456789abc",
    };
    await expect(sendTestWebhook(deskUser, form, "QTN-6", null, db)).rejects.toThrow(/System Manager/);
    const res = await sendTestWebhook(admin, form, "QTN-6", null, db);
    expect(res).toMatchObject({ status: "Delivered", http_status: 200, response: '{"received": true}', error: null });
    const [g] = rec.received;
    expect(JSON.parse(g?.body ?? "")).toMatchObject({ event_type: "Quotation.on_update", data: { name: "QTN-6" } });
    expect(g?.headers["x-api-key"]).toBe("test-key-0123456789abc");
    expect(standardVerifies(g?.headers ?? {}, g?.body ?? "", SECRET)).toBe(true);
    const [log] = await db.select().from(webhookRequestLog).where(eq(webhookRequestLog.name, res.request_log));
    expect(log).toMatchObject({ isTest: true, status: "Delivered", httpStatus: 200, attempts: 1 });
    expect(log?.headers).not.toContain("test-key-0123456789abc");
    expect(await db.select().from(webhookRequestAttempt).where(eq(webhookRequestAttempt.log, res.request_log))).toHaveLength(1);
    expect(await verifyDelivery(admin, res.request_log, { secret: SECRET }, db)).toMatchObject({ ok: true, scheme: "standard" });

    rec.respond = () => ({ status: 500, body: "nope" });
    const failed = await sendTestWebhook(admin, form, "QTN-6", null, db);
    // A one-shot send that failed: Exhausted (Failed would mean "will retry").
    expect(failed).toMatchObject({ status: "Exhausted", http_status: 500, response: "nope" });
    await expect(sendTestWebhook(admin, form, "", null, db)).rejects.toThrow(/Select a document/);
  });
});
