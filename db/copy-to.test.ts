// copy-to: a SQLite desk with users, keys, webhooks (encrypted secrets), versions, events,
// logs, attempts and a pending delivery lands whole in an empty PostgreSQL database. Needs a
// PostgreSQL server: DATABASE_URL=postgres://… (npm test's PostgreSQL pass) or TEST_PG_URL.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closeDb, openDatabase, rawAll, type DB } from "@/db";
import { CopyError, copyToPostgres } from "@/db/copy-to";
import { migrateDatabase, migrateDb } from "@/db/migrate";
import { sqliteSchema as s } from "@/db/schema";
import { decryptSecret, encryptSecret } from "@/lib/crypto/secret-box";
import "@/lib/delivery";

const serverUrl = [process.env.DATABASE_URL, process.env.TEST_PG_URL].find((u) => /^postgres(ql)?:\/\//.test(u ?? ""));

async function admin(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

describe.skipIf(!serverUrl)("copy-to (SQLite → PostgreSQL)", () => {
  let dir: string;
  let source: DB;
  let dbName: string;
  let targetUrl: string;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "webhook-desk-copy-"));
    source = openDatabase(path.join(dir, "desk.db"));
    migrateDb(source);
    dbName = `copy_${randomBytes(5).toString("hex")}`;
    await admin(`CREATE DATABASE ${dbName}`);
    const u = new URL(serverUrl ?? "");
    u.pathname = `/${dbName}`;
    targetUrl = u.toString();
  });

  afterEach(async () => {
    await closeDb(source);
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function fill(now = Date.now()) {
    source.insert(s.user).values({ name: "ops@example.com", email: "ops@example.com", fullName: "Ops", passwordHash: "scrypt$x" }).run();
    source.insert(s.role).values({ name: "System Manager" }).onConflictDoNothing().run();
    source.insert(s.hasRole).values({ user: "ops@example.com", role: "System Manager" }).run();
    source.insert(s.apiKey).values({ key: "k1", user: "ops@example.com", secretHash: "h", created: now }).run();
    source
      .insert(s.webhook)
      .values({
        name: "Orders",
        webhookDoctype: "Sales Order",
        webhookDocevent: "on_update",
        webhookEvents: ["on_update", "on_submit"],
        enabled: false,
        requestUrl: "http://127.0.0.1:9/hook",
        enableSecurity: true,
        webhookSecret: encryptSecret("s3cret"),
        apiKey: encryptSecret("outbound-key"),
        maxRequestsPerSecond: 2.5,
      })
      .run();
    source.insert(s.webhookRateSlot).values({ webhook: "Orders", nextAt: now }).run();
    source.insert(s.webhookHeader).values({ parent: "Orders", idx: 1, key: "X-A", value: "1" }).run();
    source.insert(s.webhookHeader).values({ parent: "Orders", idx: 2, key: "X-B", value: "2" }).run();
    source
      .insert(s.version)
      .values({ refDoctype: "Webhook", docname: "Orders", data: { changed: [["enabled", 1, 0]] }, owner: "ops", created: now })
      .run();
    source.insert(s.event).values({ id: "ev1", doctype: "Sales Order", event: "on_update", docname: "SO-1", created: now }).run();
    for (const [name, status] of [
      ["log-1", "Delivered"],
      ["log-2", "Failed"],
    ] as const) {
      source
        .insert(s.webhookRequestLog)
        .values({ name, webhook: "Orders", url: "http://127.0.0.1:9/hook", data: "{}", status, attempts: 1, created: now, modified: now })
        .run();
      source
        .insert(s.webhookRequestAttempt)
        .values({ log: name, attempt: 1, started: now, success: status === "Delivered" })
        .run();
    }
    source
      .insert(s.delivery)
      .values({
        id: "msg_pending",
        log: "log-2",
        webhook: "Orders",
        queue: "default",
        timeoutMs: 5000,
        maxRetries: 5,
        attempts: 1,
        dueAt: now,
        rateSlot: now + 400,
        created: now,
      })
      .run();
  }

  it("copies every table, value for value, and queues the pending delivery", async () => {
    fill();
    const report = await copyToPostgres(source, targetUrl);
    const byTable = Object.fromEntries(report.tables.map((t) => [t.table, t.rows]));
    expect(byTable).toMatchObject({ user: 1, has_role: 1, api_key: 1, webhook: 1, webhook_header: 2, version: 1, event: 1 });
    expect(byTable).toMatchObject({ webhook_request_log: 2, webhook_request_attempt: 2, delivery: 1 });
    expect(report.queued).toBe(1);

    const c = new pg.Client({ connectionString: targetUrl });
    await c.connect();
    try {
      const wh = (
        await c.query(`SELECT enabled, webhook_events, webhook_secret, api_key, max_requests_per_second FROM webhook WHERE name = 'Orders'`)
      ).rows[0];
      expect(wh.enabled).toBe(false);
      expect(wh.max_requests_per_second).toBe(2.5);
      // The rate limit's shared slot and the slot the pending delivery holds (400 ms after it, as filled).
      const slots = await c.query(
        `SELECT (SELECT rate_slot FROM delivery WHERE id = 'msg_pending') - next_at AS ahead FROM webhook_rate_slot WHERE webhook = 'Orders'`,
      );
      expect(Number(slots.rows[0]?.ahead)).toBe(400);
      expect(wh.webhook_events).toEqual(["on_update", "on_submit"]);
      expect(decryptSecret(wh.webhook_secret)).toBe("s3cret");
      expect(decryptSecret(wh.api_key)).toBe("outbound-key");
      const success = (
        await c.query(`SELECT name, success FROM webhook_request_attempt a JOIN webhook_request_log l ON l.name = a.log ORDER BY name`)
      ).rows;
      expect(success).toEqual([
        { name: "log-1", success: true },
        { name: "log-2", success: false },
      ]);
      // Identity sequences moved past the copied ids.
      const next = (await c.query(`INSERT INTO webhook_header (parent, idx, key, value) VALUES ('Orders', 3, 'X-C', '3') RETURNING id`))
        .rows[0];
      expect(next.id).toBeGreaterThan(2);
    } finally {
      await c.end();
    }
  });

  it("refuses a target that already has data, and writes nothing", async () => {
    fill();
    await copyToPostgres(source, targetUrl);
    await expect(copyToPostgres(source, targetUrl)).rejects.toThrow(CopyError);
    await expect(copyToPostgres(source, targetUrl)).rejects.toThrow(/not empty/);
    const target = (await import("@/db")).openPg(targetUrl, { max: 1 });
    try {
      const rows = await rawAll<{ n: number }>((await import("drizzle-orm")).sql`SELECT count(*) AS n FROM webhook_header`, target);
      expect(rows[0]?.n).toBe(2);
    } finally {
      await closeDb(target);
    }
  });

  it("refuses a database with tables of its own before writing anything (no migration, no pg-boss)", async () => {
    fill();
    const c = new pg.Client({ connectionString: targetUrl });
    await c.connect();
    try {
      await c.query(`CREATE TABLE invoices (id int PRIMARY KEY, total numeric)`);
      await c.query(`INSERT INTO invoices VALUES (1, 9.5)`);
      await expect(copyToPostgres(source, targetUrl)).rejects.toThrow(CopyError);
      await expect(copyToPostgres(source, targetUrl)).rejects.toThrow(/not empty \(tables that are not the desk's: invoices\)/);
      const tables = await c.query(
        `SELECT table_schema || '.' || table_name AS t FROM information_schema.tables
          WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
      );
      expect(tables.rows.map((r) => r.t)).toEqual(["public.invoices"]);
      const schemas = await c.query(`SELECT nspname FROM pg_namespace WHERE nspname IN ('drizzle', 'pgboss')`);
      expect(schemas.rows).toEqual([]);
      expect((await c.query(`SELECT id, total::text AS total FROM invoices`)).rows).toEqual([{ id: 1, total: "9.5" }]);
    } finally {
      await c.end();
    }
  });

  it("refuses a database with a desk's table names but no desk migrations", async () => {
    const c = new pg.Client({ connectionString: targetUrl });
    await c.connect();
    try {
      await c.query(`CREATE TABLE "user" (name text)`);
      await expect(copyToPostgres(source, targetUrl)).rejects.toThrow(/not empty \(tables but no desk migrations: user\)/);
    } finally {
      await c.end();
    }
  });

  it("copies into a desk that was migrated and has no rows", async () => {
    fill();
    // Two connections: migrateDatabase holds one for its advisory lock.
    const target = (await import("@/db")).openPg(targetUrl, { max: 2 });
    try {
      await migrateDatabase(target);
    } finally {
      await closeDb(target);
    }
    const report = await copyToPostgres(source, targetUrl);
    expect(report.tables.find((t) => t.table === "webhook_header")?.rows).toBe(2);
  });

  it("reads the source in one transaction: a write by a running desk meanwhile is not half copied", async () => {
    fill();
    const desk = openDatabase(path.join(dir, "desk.db"));
    const seen: boolean[] = [];
    try {
      const report = await copyToPostgres(source, targetUrl, () => {
        seen.push(source.$client.inTransaction);
        if (seen.length !== 1) return;
        // Another connection (the desk still running) logs a request after the first table was read.
        const now = Date.now();
        desk
          .insert(s.webhookRequestLog)
          .values({
            name: "log-3",
            webhook: "Orders",
            url: "http://127.0.0.1:9/hook",
            data: "{}",
            status: "Queued",
            created: now,
            modified: now,
          })
          .run();
      });
      expect(report.tables.find((t) => t.table === "webhook_request_log")?.rows).toBe(2);
    } finally {
      await closeDb(desk);
    }
    expect(seen.every(Boolean)).toBe(true);
    expect(source.$client.inTransaction).toBe(false);
    // The write itself is there for the next read.
    expect(source.select().from(s.webhookRequestLog).all()).toHaveLength(3);
  });
});
