import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freshDb, type FreshDb } from "@/test/db";
import type { Actor } from "@/lib/auth/roles";
import { LOG_STATUS } from "@/lib/constants";
import { invalidateWebhookCache } from "@/lib/delivery";
import { reRenderAndSend, reRenderPreview, resendLog } from "./request-log-resend";
import { runPendingJobs } from "@/lib/delivery/jobs";
import { bulkResend, getJob } from "./request-log-jobs";

const admin: Actor = { user: "Administrator", fullName: "Administrator", roles: ["System Manager"], via: "session" };
const deskUser: Actor = { user: "u@example.com", fullName: "U", roles: ["Desk User"], via: "session" };

let env: FreshDb;

function setup() {
  const c = env.db.$client;
  const now = Date.now();
  c.prepare(
    `INSERT INTO webhook (name, webhook_doctype, webhook_docevent, request_url, request_structure, created, modified)
     VALUES ('hook', 'Sales Order', 'on_update', 'http://r.test/hook', 'JSON', ?, ?)`,
  ).run(now, now);
  c.prepare(`UPDATE webhook SET webhook_json = ? WHERE name = 'hook'`).run('{"name": "{{ doc.name }}", "status": "{{ doc.status }}"}');
  c.prepare(`INSERT INTO webhook_header (parent, idx, key, value) VALUES ('hook', 1, 'X-Custom', 'abc')`).run();
  c.prepare(`INSERT INTO document (doctype, name, data, deleted, modified) VALUES ('Sales Order', 'SO-1', ?, 0, ?)`).run(
    JSON.stringify({ name: "SO-1", doctype: "Sales Order", status: "Closed" }),
    now,
  );
  invalidateWebhookCache();
}

function addLog(name: string, status: string, data = '{"name": "SO-1", "status": "Draft"}') {
  env.db.$client
    .prepare(
      `INSERT INTO webhook_request_log (name, webhook, reference_doctype, reference_document, doc_event, request_method, headers, data, url, status, attempts, created, modified)
       VALUES (?, 'hook', 'Sales Order', 'SO-1', 'on_update', 'POST', '{"Content-Type":"application/json","X-Custom":"abc","webhook-id":"msg_old"}', ?, 'http://r.test/hook', ?, 1, ?, ?)`,
    )
    .run(name, data, status, Date.now(), Date.now());
}

const deliveries = () =>
  env.db.$client
    .prepare(
      `SELECT d.id, d.log, l.data AS body, l.request_headers AS headers, d.manual, d.due_at AS dueAt, d.attempts
       FROM delivery d JOIN webhook_request_log l ON l.name = d.log ORDER BY d.log`,
    )
    .all() as {
    id: string;
    log: string;
    body: string;
    headers: string;
    manual: number;
    dueAt: number;
    attempts: number;
  }[];

beforeEach(async () => {
  env = await freshDb();
  setup();
});
afterEach(() => env.close());

describe("resendLog", () => {
  it("queues the stored body again as a manual delivery, with headers from the current webhook", () => {
    addLog("log_1", LOG_STATUS.exhausted);
    expect(() => resendLog(deskUser, "log_1")).toThrow(/System Manager/);
    const r = resendLog(admin, "log_1");
    const [d] = deliveries();
    expect(d).toMatchObject({ id: r.delivery, log: "log_1", body: '{"name": "SO-1", "status": "Draft"}', manual: 1, attempts: 0 });
    expect(JSON.parse(d?.headers ?? "{}")).toMatchObject({ "X-Custom": "abc" });
    const log = env.db.$client.prepare(`SELECT status, headers FROM webhook_request_log WHERE name = 'log_1'`).get() as {
      status: string;
      headers: string;
    };
    expect(log.status).toBe(LOG_STATUS.queued);
    // A redelivery of the same message: the original webhook-id, and the stored request untouched.
    expect(r.delivery).toBe("msg_old");
    expect(log.headers).toBe('{"Content-Type":"application/json","X-Custom":"abc","webhook-id":"msg_old"}');
    // One manual attempt, no retries after it.
    expect(env.db.$client.prepare(`SELECT max_retries AS m FROM delivery`).get()).toEqual({ m: 0 });
  });

  it("takes the original webhook-id from the last attempt when the log headers lack it", () => {
    addLog("log_5", LOG_STATUS.exhausted);
    const c = env.db.$client;
    c.prepare(`UPDATE webhook_request_log SET headers = '{"Content-Type":"application/json","X-Custom":"abc"}' WHERE name = 'log_5'`).run();
    c.prepare(
      `INSERT INTO webhook_request_attempt (log, attempt, started, success, http_status, error, manual, signature) VALUES ('log_5', 1, 0, 0, 500, 'HTTP 500', 0, ?)`,
    ).run(JSON.stringify({ id: "msg_sent", timestamp: 1 }));
    expect(resendLog(admin, "log_5").delivery).toBe("msg_sent");
    const log = c.prepare(`SELECT headers FROM webhook_request_log WHERE name = 'log_5'`).get() as { headers: string };
    expect(JSON.parse(log.headers)["webhook-id"]).toBe("msg_sent");
  });

  it("moves up a pending retry instead of adding a second delivery", () => {
    addLog("log_2", LOG_STATUS.failed);
    env.db.$client
      .prepare(
        `INSERT INTO delivery (id, log, webhook, timeout_ms, max_retries, attempts, due_at, created)
         VALUES ('msg_p', 'log_2', 'hook', 5000, 5, 2, ?, 0)`,
      )
      .run(Date.now() + 3_600_000);
    resendLog(admin, "log_2");
    const all = deliveries();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ id: "msg_p", manual: 1, attempts: 2 });
    // The moved-up attempt is the last one: max_retries = attempts.
    expect(env.db.$client.prepare(`SELECT max_retries AS m FROM delivery`).get()).toEqual({ m: 2 });
    expect(all[0]?.dueAt).toBeLessThanOrEqual(Date.now());
  });

  it("refuses a log whose webhook is gone", () => {
    addLog("log_3", LOG_STATUS.exhausted);
    env.db.$client.prepare(`UPDATE webhook_request_log SET webhook = 'deleted-hook' WHERE name = 'log_3'`).run();
    expect(() => resendLog(admin, "log_3")).toThrow(/no longer exists/);
  });
});

describe("re-render", () => {
  it("previews a diff of the original and the re-rendered request, then sends the new one", async () => {
    addLog("log_4", LOG_STATUS.delivered);
    const p = await reRenderPreview(admin, "log_4");
    expect(p.changed).toBe(true);
    expect(p.diff).toContain('-  "status": "Draft"');
    expect(p.diff).toContain('+  "status": "Closed"');
    expect(p.diff).not.toContain("msg_old");
    await reRenderAndSend(admin, "log_4");
    const [d] = deliveries();
    expect(JSON.parse(d?.body ?? "{}")).toEqual({ name: "SO-1", status: "Closed" });
    const log = env.db.$client.prepare(`SELECT data FROM webhook_request_log WHERE name = 'log_4'`).get() as { data: string };
    expect(JSON.parse(log.data)).toEqual({ name: "SO-1", status: "Closed" });
  });
});

describe("bulkResend", () => {
  it("resends the Failed/Exhausted rows matching the filters as a job with progress", async () => {
    for (let i = 0; i < 5; i++) addLog(`log_b${i}`, i < 3 ? LOG_STATUS.exhausted : LOG_STATUS.delivered);
    const job = bulkResend(admin, { filters: { webhook: "hook" } });
    expect(job).toMatchObject({ kind: "bulk_resend", total: 3, status: "Queued" });
    // The maintenance thread runs stored jobs; here the test runs them.
    expect(await runPendingJobs(env.db, "test-runner")).toBe(1);
    expect(getJob(admin, job.id).status).toBe("Completed");
    expect(getJob(admin, job.id)).toMatchObject({ done: 3, skipped: 0 });
    expect(deliveries().map((d) => d.log)).toEqual(["log_b0", "log_b1", "log_b2"]);
    expect(bulkResend(admin, { names: ["log_b3"] }).total).toBe(0);
  });
});

describe("bulkResend input", () => {
  it("takes a list of names or a filters object as well", async () => {
    addLog("log_c1", LOG_STATUS.failed);
    addLog("log_c2", LOG_STATUS.exhausted);
    const byNames = bulkResend(admin, ["log_c1", "log_c2"]);
    expect(byNames.total).toBe(2);
    await runPendingJobs(env.db, "test-runner");
    expect(getJob(admin, byNames.id).status).toBe("Completed");
    env.db.$client.prepare(`UPDATE webhook_request_log SET status = 'Exhausted'`).run();
    const byFilters = bulkResend(admin, { reference_document: "SO-1" });
    expect(byFilters.total).toBe(2);
    await runPendingJobs(env.db, "test-runner");
    expect(getJob(admin, byFilters.id)).toMatchObject({ status: "Completed", done: 2 });
  });
});
