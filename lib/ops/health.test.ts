// Readiness on a real database (SQLite, and PostgreSQL in npm test's second pass): each check
// fails on its own cause and names itself, and only where it applies.
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closeDb, DIALECT, openDatabase, openPg, rawRun, tx, type DB } from "@/db";
import { insertLog } from "@/lib/delivery/store";
import { freshDb, type FreshDb } from "@/test/db";
import type { AddressInfo } from "node:net";
import { readiness, readinessAnswer, type DispatcherState } from "./health";
import { serveHealth } from "./health-server";

let t: FreshDb;
beforeEach(async () => {
  t = await freshDb();
});
afterEach(() => t.close());

const check = (db: DB, dispatcher: DispatcherState = "alive", env: Record<string, string> = {}) =>
  readiness({ db, dispatcher: () => dispatcher, env });

let n = 0;
async function queueDelivery(dueAt: number, held = false): Promise<void> {
  n += 1;
  const name = `log-${n}`;
  await tx((d) =>
    insertLog(
      d,
      {
        name,
        webhook: null,
        referenceDoctype: null,
        referenceDocument: null,
        docEvent: null,
        event: null,
        user: null,
        url: "http://127.0.0.1:9/",
        method: "POST",
        headers: null,
        data: "{}",
        requestHeaders: null,
        status: "Queued",
        error: null,
        isTest: false,
        created: dueAt,
      },
      { id: `msg_${name}`, webhook: null, queue: "default", timeoutMs: 1000, maxRetries: 0, manual: false, sign: false, dueAt },
    ),
  );
  if (held) await rawRun(sql`UPDATE delivery SET held = ${DIALECT === "pg" ? sql`true` : sql`1`} WHERE id = ${`msg_${name}`}`, t.db);
}

describe("readiness", () => {
  it("is ok on a migrated database with a running dispatcher and nothing late", async () => {
    await queueDelivery(Date.now() - 1000);
    expect(await check(t.db)).toEqual({ ok: true });
    expect(readinessAnswer({ ok: true })).toMatchObject({ status: 200, body: { status: "ok" } });
  });

  it("names the database when it does not answer", async () => {
    const other = DIALECT === "pg" ? openPg(t.url, { max: 1 }) : openDatabase(t.file);
    await closeDb(other);
    expect(await check(other)).toEqual({ ok: false, failing: "database" });
    const a = readinessAnswer({ ok: false, failing: "database" });
    expect(a.status).toBe(503);
    expect(a.headers["retry-after"]).toBe("5");
    expect(a.body).toEqual({ status: "not ok", failing: "database", error: { code: "NOT_READY", message: "Not ready: database" } });
  });

  it("names the migrations when one is not applied", async () => {
    const journal = DIALECT === "pg" ? sql.raw("drizzle.__drizzle_migrations") : sql.raw("__drizzle_migrations");
    await rawRun(sql`DELETE FROM ${journal} WHERE created_at = (SELECT max(created_at) FROM ${journal})`, t.db);
    expect(await check(t.db)).toEqual({ ok: false, failing: "migrations" });
  });

  it("names the dispatcher when this process should send and it is down", async () => {
    expect(await check(t.db, "down")).toEqual({ ok: false, failing: "dispatcher" });
    expect(await check(t.db, "not-here")).toEqual({ ok: true });
  });

  it("names the delivery lag when a due delivery waited past the threshold, where this process sends", async () => {
    await queueDelivery(Date.now() - 700_000);
    expect(await check(t.db)).toEqual({ ok: false, failing: "delivery_lag" });
    expect(await check(t.db, "alive", { WEBHOOK_READY_MAX_LAG_S: "800" })).toEqual({ ok: true });
    expect(await check(t.db, "alive", { WEBHOOK_READY_MAX_LAG_S: "0" })).toEqual({ ok: true });
    // A web node that leaves sending to workers is still ready: it can serve the desk.
    expect(await check(t.db, "not-here")).toEqual({ ok: true });
  });

  it("does not count held deliveries (webhook disabled) as late", async () => {
    await queueDelivery(Date.now() - 700_000, true);
    expect(await check(t.db)).toEqual({ ok: true });
  });
});

describe("the worker's health server", () => {
  it("answers /healthz and /readyz as the desk does, and nothing else", async () => {
    let state: DispatcherState = "alive";
    const server = await serveHealth({ port: 0, host: "127.0.0.1", db: t.db, dispatcher: () => state });
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const live = await fetch(`${base}/healthz`);
      expect([live.status, await live.json()]).toEqual([200, { status: "ok" }]);
      const ready = await fetch(`${base}/readyz`);
      expect([ready.status, await ready.json()]).toEqual([200, { status: "ok" }]);
      state = "down";
      const notReady = await fetch(`${base}/readyz`);
      expect(notReady.status).toBe(503);
      expect(notReady.headers.get("retry-after")).toBe("5");
      expect(((await notReady.json()) as { failing: string }).failing).toBe("dispatcher");
      expect((await fetch(`${base}/metrics`)).status).toBe(404); // METRICS_TOKEN unset: not served
      process.env.METRICS_TOKEN = "worker-metrics-token";
      try {
        expect((await fetch(`${base}/metrics`)).status).toBe(401);
        const m = await fetch(`${base}/metrics`, { headers: { authorization: "Bearer worker-metrics-token" } });
        expect(m.status).toBe(200);
        expect(await m.text()).toContain('webhook_desk_queue_depth{queue="default"}');
      } finally {
        delete process.env.METRICS_TOKEN;
      }
      const post = await fetch(`${base}/readyz`, { method: "POST" });
      expect([post.status, post.headers.get("allow")]).toEqual([405, "GET, HEAD"]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
