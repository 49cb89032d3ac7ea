import { asc, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { delivery, document, webhook, webhookHeader, webhookRequestAttempt, webhookRequestLog } from "@/db/schema";
import { freshDb, type FreshDb } from "@/test/db";
import type { Actor } from "@/lib/auth/roles";
import { LOG_STATUS } from "@/lib/constants";
import { invalidateWebhookCache } from "@/lib/delivery";
import { reRenderAndSend, reRenderPreview, resendLog } from "./request-log-resend";
import { runPendingJobs } from "@/lib/delivery/jobs";
import { bulkResend, bulkResendCount, getJob } from "./request-log-jobs";

const admin: Actor = { user: "Administrator", fullName: "Administrator", roles: ["System Manager"], via: "session" };
const deskUser: Actor = { user: "u@example.com", fullName: "U", roles: ["Desk User"], via: "session" };

let env: FreshDb;

async function setup() {
  const now = Date.now();
  await env.db.insert(webhook).values({
    name: "hook",
    webhookDoctype: "Sales Order",
    webhookDocevent: "on_update",
    requestUrl: "http://r.test/hook",
    requestStructure: "JSON",
    webhookJson: '{"name": "{{ doc.name }}", "status": "{{ doc.status }}"}',
    created: now,
    modified: now,
  });
  await env.db.insert(webhookHeader).values({ parent: "hook", idx: 1, key: "X-Custom", value: "abc" });
  await env.db
    .insert(document)
    .values({ doctype: "Sales Order", name: "SO-1", data: { name: "SO-1", doctype: "Sales Order", status: "Closed" }, modified: now });
  invalidateWebhookCache();
}

const SHOWN = '{"Content-Type":"application/json","X-Custom":"abc","webhook-id":"msg_old"}';

async function addLog(name: string, status: string, data = '{"name": "SO-1", "status": "Draft"}') {
  const now = Date.now();
  await env.db.insert(webhookRequestLog).values({
    name,
    webhook: "hook",
    referenceDoctype: "Sales Order",
    referenceDocument: "SO-1",
    docEvent: "on_update",
    requestMethod: "POST",
    headers: SHOWN,
    data,
    url: "http://r.test/hook",
    status,
    attempts: 1,
    created: now,
    modified: now,
  });
}

const logRow = async (name: string) => {
  const [row] = await env.db.select().from(webhookRequestLog).where(eq(webhookRequestLog.name, name));
  if (!row) throw new Error(`no log ${name}`);
  return row;
};

const deliveries = () =>
  env.db
    .select({
      id: delivery.id,
      log: delivery.log,
      body: webhookRequestLog.data,
      headers: webhookRequestLog.requestHeaders,
      manual: delivery.manual,
      maxRetries: delivery.maxRetries,
      dueAt: delivery.dueAt,
      attempts: delivery.attempts,
    })
    .from(delivery)
    .innerJoin(webhookRequestLog, eq(webhookRequestLog.name, delivery.log))
    .orderBy(asc(delivery.log));

beforeEach(async () => {
  env = await freshDb({ seed: false });
  await setup();
});
afterEach(() => env.close());

describe("resendLog", () => {
  it("queues the stored body again as a manual delivery, with headers from the current webhook", async () => {
    await addLog("log_1", LOG_STATUS.exhausted);
    await expect(resendLog(deskUser, "log_1")).rejects.toThrow(/System Manager/);
    const r = await resendLog(admin, "log_1");
    const [d] = await deliveries();
    // One manual attempt, no retries after it.
    expect(d).toMatchObject({
      id: r.delivery,
      log: "log_1",
      body: '{"name": "SO-1", "status": "Draft"}',
      manual: true,
      attempts: 0,
      maxRetries: 0,
    });
    expect(JSON.parse(d?.headers ?? "{}")).toMatchObject({ "X-Custom": "abc" });
    const log = await logRow("log_1");
    expect(log.status).toBe(LOG_STATUS.queued);
    // A redelivery of the same message: the original webhook-id, and the stored request untouched.
    expect(r.delivery).toBe("msg_old");
    expect(log.headers).toBe(SHOWN);
  });

  it("takes the original webhook-id from the last attempt when the log headers lack it", async () => {
    await addLog("log_5", LOG_STATUS.exhausted);
    await env.db
      .update(webhookRequestLog)
      .set({ headers: '{"Content-Type":"application/json","X-Custom":"abc"}' })
      .where(eq(webhookRequestLog.name, "log_5"));
    await env.db.insert(webhookRequestAttempt).values({
      log: "log_5",
      attempt: 1,
      started: 0,
      success: false,
      httpStatus: 500,
      error: "HTTP 500",
      manual: false,
      signature: JSON.stringify({ id: "msg_sent", timestamp: 1 }),
    });
    expect((await resendLog(admin, "log_5")).delivery).toBe("msg_sent");
    expect(JSON.parse((await logRow("log_5")).headers ?? "{}")["webhook-id"]).toBe("msg_sent");
  });

  it("moves up a pending retry instead of adding a second delivery", async () => {
    await addLog("log_2", LOG_STATUS.failed);
    await env.db.insert(delivery).values({
      id: "msg_p",
      log: "log_2",
      webhook: "hook",
      timeoutMs: 5000,
      maxRetries: 5,
      attempts: 2,
      dueAt: Date.now() + 3_600_000,
      created: 0,
    });
    await resendLog(admin, "log_2");
    const all = await deliveries();
    expect(all).toHaveLength(1);
    // The moved-up attempt is the last one: max_retries = attempts.
    expect(all[0]).toMatchObject({ id: "msg_p", manual: true, attempts: 2, maxRetries: 2 });
    expect(all[0]?.dueAt).toBeLessThanOrEqual(Date.now());
  });

  it("refuses a log whose webhook is gone", async () => {
    await addLog("log_3", LOG_STATUS.exhausted);
    await env.db.update(webhookRequestLog).set({ webhook: "deleted-hook" }).where(eq(webhookRequestLog.name, "log_3"));
    await expect(resendLog(admin, "log_3")).rejects.toThrow(/no longer exists/);
  });
});

describe("re-render", () => {
  it("previews a diff of the original and the re-rendered request, then sends the new one", async () => {
    await addLog("log_4", LOG_STATUS.delivered);
    const p = await reRenderPreview(admin, "log_4");
    expect(p.changed).toBe(true);
    expect(p.diff).toContain('-  "status": "Draft"');
    expect(p.diff).toContain('+  "status": "Closed"');
    expect(p.diff).not.toContain("msg_old");
    await reRenderAndSend(admin, "log_4");
    const [d] = await deliveries();
    expect(JSON.parse(d?.body ?? "{}")).toEqual({ name: "SO-1", status: "Closed" });
    expect(JSON.parse((await logRow("log_4")).data ?? "{}")).toEqual({ name: "SO-1", status: "Closed" });
  });
});

describe("bulkResend", () => {
  it("resends the Failed/Exhausted rows matching the filters as a job with progress", async () => {
    for (let i = 0; i < 5; i++) await addLog(`log_b${i}`, i < 3 ? LOG_STATUS.exhausted : LOG_STATUS.delivered);
    const job = await bulkResend(admin, { filters: { webhook: "hook" } });
    expect(job).toMatchObject({ kind: "bulk_resend", total: 3, status: "Queued" });
    // The maintenance thread runs stored jobs; here the test runs them.
    expect(await runPendingJobs(env.db, "test-runner")).toBe(1);
    expect(await getJob(admin, job.id)).toMatchObject({ status: "Completed", done: 3, skipped: 0 });
    expect((await deliveries()).map((d) => d.log)).toEqual(["log_b0", "log_b1", "log_b2"]);
    expect((await bulkResend(admin, { names: ["log_b3"] })).total).toBe(0);
    expect(await bulkResendCount(admin, { filters: { webhook: "hook" }, dry_run: true })).toBe(0);
  });
});

describe("bulkResend input", () => {
  it("takes a list of names or a filters object as well", async () => {
    await addLog("log_c1", LOG_STATUS.failed);
    await addLog("log_c2", LOG_STATUS.exhausted);
    await addLog("log_c3", LOG_STATUS.delivered);
    // In the order given, each once, only those that did not get through.
    const byNames = await bulkResend(admin, ["log_c2", "log_c3", "log_c1", "log_c2", "nope"]);
    expect(byNames.total).toBe(2);
    expect(await bulkResendCount(admin, { names: ["log_c1", "log_c3"] })).toBe(1);
    await runPendingJobs(env.db, "test-runner");
    expect((await getJob(admin, byNames.id)).status).toBe("Completed");
    await env.db.update(webhookRequestLog).set({ status: LOG_STATUS.exhausted }).where(eq(webhookRequestLog.webhook, "hook"));
    const byFilters = await bulkResend(admin, { reference_document: "SO-1" });
    expect(byFilters.total).toBe(3);
    await runPendingJobs(env.db, "test-runner");
    expect(await getJob(admin, byFilters.id)).toMatchObject({ status: "Completed", done: 3 });
    await expect(getJob(admin, "job_nope")).rejects.toThrow(/not found/);
    // A name no log can have is refused the same way on both dialects.
    await expect(bulkResend(admin, ["log_c1", "log\u0000c1"])).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
  });
});
