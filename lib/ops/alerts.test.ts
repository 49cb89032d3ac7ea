// Auto-disable and alerts, end to end on either dialect: a real dispatcher failing against a
// loopback receiver, the health sweep with its clock moved on, a local SMTP server
// (smtp-server) for the emails and a second receiver for the signed alert webhook.
import { eq } from "drizzle-orm";
import { SMTPServer } from "smtp-server";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DB } from "@/db";
import { alert, alertSend, delivery, user, webhook, webhookHealth } from "@/db/schema";
import { SYSTEM_MANAGER } from "@/lib/constants";
import { encryptSecret } from "@/lib/crypto/secret-box";
import { writeSetting } from "@/lib/delivery/retention";
import { loadDispatcherConfig } from "@/lib/dispatcher/config";
import { Dispatcher } from "@/lib/dispatcher/dispatcher";
import { sendRequest } from "@/lib/dispatcher/http-send";
import { insertWebhook, startReceiver, until, type Receiver } from "@/lib/dispatcher/test-support";
import { ingestEvents, parseEventsBody } from "@/lib/services/event/events";
import { createUserUnchecked } from "@/lib/services/user/users";
import { getWebhookHealth, reenableWebhook } from "@/lib/services/webhook/webhooks";
import { freshDb, type FreshDb } from "@/test/db";
import { purgeAlertsBefore, runAlertSends, type HttpSend } from "./alert-send";
import { ALERT_WEBHOOK_SECRET_KEY, ALERT_WEBHOOK_URL_KEY, DAY_MS, sweepHealth } from "./alerts";

const SECRET = "whsec_" + Buffer.from("alert-webhook-test-secret-24b").toString("base64");
const admin = { user: "Administrator", fullName: "Administrator", roles: [SYSTEM_MANAGER], via: "session" as const };

let t: FreshDb;
let db: DB;
let rec: Receiver;
let alertRec: Receiver;
let dispatcher: Dispatcher | undefined;
let smtp: SMTPServer;
let mails: { to: string; raw: string }[];

const http: HttpSend = async (req) => {
  const r = await sendRequest(req);
  return { ...(r.httpStatus !== undefined ? { httpStatus: r.httpStatus } : {}), ...(r.error ? { error: r.error } : {}) };
};
const sendAlerts = () => runAlertSends(db, { http, retryScheduleMs: [10, 10] });

beforeAll(() => {
  process.env.WEBHOOK_DESK_ENCRYPTION_KEY = "alerts-test-key";
});

beforeEach(async () => {
  process.env.WEBHOOK_ALLOW_PRIVATE_NETWORK = "1";
  t = await freshDb();
  db = t.db;
  rec = await startReceiver();
  rec.respond = () => ({ status: 500, body: "down" });
  alertRec = await startReceiver();
  mails = [];
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    onData(stream, session, cb) {
      let raw = "";
      stream.on("data", (c: Buffer) => (raw += c.toString("utf8")));
      stream.on("end", () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address).join(","), raw });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", () => r()));
  const port = (smtp.server.address() as { port: number }).port;
  process.env.SMTP_URL = `smtp://127.0.0.1:${port}`;
  process.env.ALERT_EMAIL_FROM = "desk-alerts@example.test";
  process.env.NEXTAUTH_URL = "https://desk.example.test";
  await createUserUnchecked(db, { email: "ops@example.test", password: "a-long-password", roles: [SYSTEM_MANAGER] });
  await createUserUnchecked(db, { email: "quiet@example.test", password: "a-long-password", roles: [SYSTEM_MANAGER] });
  await db.update(user).set({ sendAlertEmails: true }).where(eq(user.email, "ops@example.test"));
  await writeSetting(db, ALERT_WEBHOOK_URL_KEY, `${alertRec.url}/alerts`);
  await writeSetting(db, ALERT_WEBHOOK_SECRET_KEY, encryptSecret(SECRET));
});

afterEach(async () => {
  await dispatcher?.stop(100);
  dispatcher = undefined;
  await rec.close();
  await alertRec.close();
  await new Promise<void>((r) => smtp.close(() => r()));
  delete process.env.SMTP_URL;
  await t.close();
});

function start(retryScheduleMs: number[]) {
  dispatcher = new Dispatcher({
    db,
    config: { ...loadDispatcherConfig({}), retryScheduleMs, jitter: false, pollMs: 20, leaseMarginMs: 500, drainMs: 500 },
  });
  void dispatcher.start();
}

const emit = (name: string) =>
  ingestEvents(
    db,
    { user: "Administrator" },
    parseEventsBody([{ doctype: "Quotation", event: "on_update", doc: { name, status: "Open" } }]),
  );
const health = async (name: string) => (await db.select().from(webhookHealth).where(eq(webhookHealth.webhook, name)))[0];
const alerts = () => db.select().from(alert);

describe("auto-disable", () => {
  it("a webhook failing for its whole Disable After warns once per level, is disabled with its requests held, alerts once, and Re-enable releases them", async () => {
    await insertWebhook(db, { name: "orders", url: `${rec.url}/hook`, maxRetries: 5 });
    await db.update(webhook).set({ disableAfter: 0.001 }).where(eq(webhook.name, "orders"));
    const window = 0.001 * DAY_MS;
    // The first attempt fails; its retry waits (a minute), so the request stays pending.
    start([60_000]);
    await emit("QTN-1");
    const h = await until(
      async () => {
        const row = await health("orders");
        return row?.failingSince ? row : undefined;
      },
      10_000,
      "a failing streak",
    );
    const since = h.failingSince ?? 0;
    expect((await getWebhookHealth(admin, "orders")).state).toBe("failing");

    // Nothing before 50 %; at 60 % the 50 % warning, once however often the sweep runs.
    expect((await sweepHealth(db, since + window * 0.4)).warned).toBe(0);
    expect((await sweepHealth(db, since + window * 0.6)).warned).toBe(1);
    expect((await sweepHealth(db, since + window * 0.6)).warned).toBe(0);
    expect((await sweepHealth(db, since + window * 0.95)).warned).toBe(1); // straight to 90 %
    let list = await alerts();
    expect(list.map((a) => a.event)).toEqual(["webhook.failing", "webhook.failing"]);
    expect(JSON.parse(list[1]?.payload ?? "{}").data.percent).toBe(90);

    // The whole window: disabled, its pending request held, one webhook.disabled alert.
    const [one, two] = await Promise.all([sweepHealth(db, since + window + 1), sweepHealth(db, since + window + 1)]);
    expect((one?.disabled ?? 0) + (two?.disabled ?? 0)).toBe(1);
    expect((await sweepHealth(db, since + window + 5)).disabled).toBe(0);
    const [w] = await db.select().from(webhook).where(eq(webhook.name, "orders"));
    expect(w?.enabled).toBe(false);
    const pending = await db.select().from(delivery).where(eq(delivery.webhook, "orders"));
    expect(pending).toHaveLength(1);
    expect(pending[0]?.held).toBe(true);
    list = await alerts();
    expect(list.filter((a) => a.event === "webhook.disabled")).toHaveLength(1);
    const view = await getWebhookHealth(admin, "orders");
    expect(view.state).toBe("disabled");
    expect(view.disabled_at).not.toBeNull();

    // Re-enable: enabled, healthy again, the held request released and delivered.
    rec.respond = () => ({ status: 200, body: "ok" });
    await reenableWebhook(admin, "orders");
    expect((await getWebhookHealth(admin, "orders")).state).toBe("healthy");
    const released = await db.select().from(delivery).where(eq(delivery.webhook, "orders"));
    expect(released[0]?.held).toBe(false);
    expect((await health("orders"))?.warned).toBe(0);
  });

  it("Disable After 0 never disables", async () => {
    await insertWebhook(db, { name: "never", url: `${rec.url}/hook`, maxRetries: 5 });
    await db.update(webhook).set({ disableAfter: 0 }).where(eq(webhook.name, "never"));
    start([60_000]);
    await emit("QTN-2");
    const h = await until(async () => (await health("never"))?.failingSince ?? undefined, 10_000, "a failing streak");
    const r = await sweepHealth(db, h + 365 * DAY_MS);
    expect(r).toMatchObject({ warned: 0, disabled: 0 });
    expect((await db.select().from(webhook).where(eq(webhook.name, "never")))[0]?.enabled).toBe(true);
  });

  it("a success ends the streak: webhook.recovered once, after a warning", async () => {
    await insertWebhook(db, { name: "flaky", url: `${rec.url}/hook`, maxRetries: 5 });
    start([300]);
    await emit("QTN-3");
    const since = await until(async () => (await health("flaky"))?.failingSince ?? undefined, 10_000, "a failing streak");
    expect((await sweepHealth(db, since + 5 * DAY_MS * 0.55)).warned).toBe(1);
    rec.respond = () => ({ status: 200, body: "ok" });
    await until(async () => (await health("flaky"))?.failingSince === null, 10_000, "the streak's end");
    expect((await sweepHealth(db)).recovered).toBe(1);
    expect((await sweepHealth(db)).recovered).toBe(0);
    expect((await alerts()).map((a) => a.event)).toEqual(["webhook.failing", "webhook.recovered"]);
  });

  it("exhausted deliveries alert at most once per period per webhook, with their count", async () => {
    await insertWebhook(db, { name: "gone", url: `${rec.url}/hook`, maxRetries: 0 });
    start([10]);
    await emit("QTN-4");
    await emit("QTN-5");
    await until(async () => ((await health("gone"))?.exhausted ?? 0) >= 2, 10_000, "two exhausted");
    const now = Date.now();
    expect((await sweepHealth(db, now)).exhausted).toBe(1);
    await emit("QTN-6");
    await until(async () => ((await health("gone"))?.exhausted ?? 0) >= 3, 10_000, "a third exhausted");
    expect((await sweepHealth(db, now + 1000)).exhausted).toBe(0);
    expect((await sweepHealth(db, now + 3_600_000)).exhausted).toBe(1);
    const ex = (await alerts()).filter((a) => a.event === "delivery.exhausted");
    expect(ex.map((a) => JSON.parse(a.payload).data.count)).toEqual([2, 1]);
  });
});

describe("alert sends", () => {
  it("emails the System Managers who asked, and POSTs the event to the Alert Webhook URL signed with Standard Webhooks; a failed send is retried and visible", async () => {
    await insertWebhook(db, { name: "orders", url: `${rec.url}/hook`, maxRetries: 5 });
    start([60_000]);
    await emit("QTN-1");
    const since = await until(async () => (await health("orders"))?.failingSince ?? undefined, 10_000, "a failing streak");
    alertRec.respond = (_r, nth) => (nth === 1 ? { status: 503, body: "busy" } : { status: 204 });
    await sweepHealth(db, since + 5 * DAY_MS * 0.75);
    await sendAlerts();

    // The email: to ops@ only (quiet@ has Send Alert Emails off), with a subject and a link.
    expect(mails).toHaveLength(1);
    expect(mails[0]?.to).toBe("ops@example.test");
    expect(mails[0]?.raw).toMatch(/Subject: \[Webhook Desk\] Webhook orders is failing \(70 % of Disable After\)/);
    expect(mails[0]?.raw.replace(/=\r?\n/g, "")).toContain("https://desk.example.test/app/webhook/orders");
    expect(mails[0]?.raw).toMatch(/From: desk-alerts@example\.test/);

    // The webhook: the first try got 503, so it waits for its retry, visible with the error.
    let sends = await db.select().from(alertSend).where(eq(alertSend.channel, "webhook"));
    expect(sends[0]).toMatchObject({ status: "Failed", attempts: 1, lastError: expect.stringContaining("503") });
    await until(
      async () => {
        await sendAlerts();
        sends = await db.select().from(alertSend).where(eq(alertSend.channel, "webhook"));
        return sends[0]?.status === "Sent";
      },
      5000,
      "the alert webhook retried",
    );
    expect(sends[0]?.attempts).toBe(2);
    const [first, second] = alertRec.received;
    expect(first?.headers["webhook-id"]).toBe(second?.headers["webhook-id"]);
    const body = second?.body ?? "";
    const verified = new StandardWebhook(SECRET).verify(body, {
      "webhook-id": String(second?.headers["webhook-id"]),
      "webhook-timestamp": String(second?.headers["webhook-timestamp"]),
      "webhook-signature": String(second?.headers["webhook-signature"]),
    }) as { type: string; data: Record<string, unknown> };
    expect(verified.type).toBe("webhook.failing");
    expect(verified.data).toMatchObject({ webhook: "orders", percent: 70, url: "https://desk.example.test/app/webhook/orders" });
    // A wrong secret does not verify: the check can fail.
    expect(() =>
      new StandardWebhook("whsec_" + Buffer.from("another-secret-entirely").toString("base64")).verify(body, {
        "webhook-id": String(second?.headers["webhook-id"]),
        "webhook-timestamp": String(second?.headers["webhook-timestamp"]),
        "webhook-signature": String(second?.headers["webhook-signature"]),
      }),
    ).toThrow();
    // The alert sends are not deliveries of a webhook: no health row, no alert about them.
    expect((await alerts()).map((a) => a.event)).toEqual(["webhook.failing"]);
  });

  it("an email that cannot be sent is retried, then Exhausted with its error, never lost", async () => {
    await insertWebhook(db, { name: "orders", url: `${rec.url}/hook`, maxRetries: 5 });
    start([60_000]);
    await emit("QTN-1");
    const since = await until(async () => (await health("orders"))?.failingSince ?? undefined, 10_000, "a failing streak");
    await sweepHealth(db, since + 5 * DAY_MS * 0.55);
    process.env.SMTP_URL = "smtp://user:hunter2secret@127.0.0.1:1";
    for (let i = 0; i < 3; i++) {
      await until(async () => {
        const [s] = await db.select().from(alertSend).where(eq(alertSend.channel, "email"));
        return s && (s.status === "Exhausted" || s.nextAttempt <= Date.now());
      }, 2000);
      await sendAlerts();
    }
    const [s] = await db.select().from(alertSend).where(eq(alertSend.channel, "email"));
    expect(s).toMatchObject({ status: "Exhausted", attempts: 3 });
    expect(s?.lastError).toBeTruthy();
    expect(s?.lastError).not.toContain("hunter2secret");
  });
});

describe("alert retention", () => {
  it("purges alerts older than the cutoff with their sends and read marks, but keeps one whose send is still to retry", async () => {
    const now = Date.now();
    const old = now - 40 * DAY_MS;
    const add = async (id: string, created: number, sendStatus?: string) => {
      await db.insert(alert).values({ id, event: "webhook.failing", webhook: null, subject: id, message: id, payload: "{}", created });
      if (sendStatus)
        await db.insert(alertSend).values({
          id: `send-${id}`,
          alert: id,
          channel: "webhook",
          target: "http://127.0.0.1:9/alerts",
          status: sendStatus,
          nextAttempt: now,
          created,
          modified: created,
        });
    };
    await add("old-sent", old, "Sent");
    await add("old-exhausted", old, "Exhausted");
    await add("old-plain", old);
    await add("old-retrying", old, "Failed");
    await add("new", now, "Sent");
    expect(await purgeAlertsBefore(db, now - 30 * DAY_MS, 2)).toBe(3);
    expect((await db.select({ id: alert.id }).from(alert)).map((a) => a.id).sort()).toEqual(["new", "old-retrying"]);
    expect((await db.select({ id: alertSend.id }).from(alertSend)).map((s) => s.id).sort()).toEqual(["send-new", "send-old-retrying"]);
  });
});
