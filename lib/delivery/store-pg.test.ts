// The PostgreSQL store's rules below the dispatcher: a claim is not fooled by stale jobs, the
// job repair runs in one worker at a time, and wake-ups reach other processes after the
// commit, coalesced, over a LISTEN connection that comes back when it is cut.
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closeDb, openPg, pgClientOf, pgPool, rawAll, rawRun, tx } from "@/db";
import type { Actor } from "@/lib/auth/roles";
import { enqueue, sleep, until } from "@/lib/dispatcher/test-support";
import { getLog } from "@/lib/services/request-log/request-log";
import { freshDb, onPostgres, type FreshDb } from "@/test/db";
import { insertJobs } from "./boss";
import { listenForWork, notifyDeliveriesQueued, notifyJobQueued, WORK_CHANNEL, type Topic } from "./signal";
import { pgCycle, pgRepairJobs, REPAIR_LOCK } from "./store-pg";

let t: FreshDb;
beforeEach(async () => {
  t = await freshDb({ seed: false });
});
afterEach(async () => {
  await t.close();
});

const hook = { name: "hook", url: "http://127.0.0.1:9/hook" };
const admin: Actor = { user: "Administrator", fullName: "Administrator", roles: ["System Manager"], via: "session" };
const jobsOf = async () => (await rawAll<{ d: string }>(sql`SELECT data->>'d' AS d FROM pgboss.job ORDER BY 1`, t.db)).map((j) => j.d);

describe.runIf(onPostgres)("the PostgreSQL delivery store", () => {
  it("claims past batches made only of stale jobs, so a due queue never looks drained", async () => {
    // Older than the live ones, so fetched first: two whole batches of jobs whose deliveries are gone.
    await tx(
      async (x) => {
        const c = pgClientOf(x);
        if (!c) throw new Error("no PostgreSQL client");
        await insertJobs(
          c,
          Array.from({ length: 8 }, (_, i) => ({
            id: randomUUID(),
            queue: "default",
            delivery: `gone-${i}`,
            webhook: "hook",
            timeoutMs: 1000,
            startAfter: Date.now() - 60_000,
          })),
        );
      },
      {},
      t.db,
    );
    const queued = await enqueue(t.db, hook, ['{"n":1}', '{"n":2}'], Date.now() - 1000);
    const claimed = await pgCycle(t.db, [], [{ queue: "default", limit: 4 }], "worker-a", 1000);
    expect((claimed.get("default") ?? []).map((d) => d.id).sort()).toEqual(queued.map((q) => q.id).sort());
    // The stale jobs were dropped unsent; the claimed ones stay (active) until their outcome.
    expect(await jobsOf()).toEqual(queued.map((q) => q.id).sort());
  });

  it("repairs missing jobs in one worker at a time", async () => {
    const queued = await enqueue(t.db, hook, ['{"n":1}', '{"n":2}']);
    await rawRun(sql`DELETE FROM pgboss.job`, t.db);
    // Another worker's sweep is under way: it holds the lock until its transaction ends.
    const other = openPg(t.url, { max: 1 });
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const sweep = tx(
      async (x) => {
        await rawRun(sql`SELECT pg_advisory_xact_lock(${REPAIR_LOCK}::bigint)`, x);
        locked();
        await released;
      },
      { isolation: "read committed" },
      other,
    );
    try {
      await isLocked;
      expect(await pgRepairJobs(t.db)).toBe(0);
      expect(await jobsOf()).toEqual([]);
    } finally {
      release();
      await sweep;
      await closeDb(other);
    }
    expect(await pgRepairJobs(t.db)).toBe(2);
    expect(await pgRepairJobs(t.db)).toBe(0);
    expect(await jobsOf()).toEqual(queued.map((q) => q.id).sort());
  });

  it("stores attempt ids past 2^31: identity ids and their sequences are bigint, read back as numbers", async () => {
    const identities = await rawAll<{ table: string; type: string; seqType: string; seqMax: boolean }>(
      sql`SELECT c.table_name AS "table", c.data_type AS type, s.data_type AS "seqType", s.max_value = 9223372036854775807 AS "seqMax"
            FROM information_schema.columns c
            JOIN pg_sequences s ON s.schemaname = c.table_schema AND s.sequencename = pg_get_serial_sequence(c.table_name, c.column_name)::regclass::name
           WHERE c.table_schema = 'public' AND c.is_identity = 'YES' ORDER BY 1`,
      t.db,
    );
    expect(identities).toEqual(
      ["activity_log", "version", "webhook_data", "webhook_header", "webhook_request_attempt"].map((table) => ({
        table,
        type: "bigint",
        seqType: "bigint",
        seqMax: true,
      })),
    );
    await rawRun(sql`ALTER TABLE webhook_request_attempt ALTER COLUMN id RESTART WITH 3000000000`, t.db);
    const [q] = await enqueue(t.db, hook, ['{"n":1}'], Date.now() - 1000);
    const claimed = (await pgCycle(t.db, [], [{ queue: "default", limit: 1 }], "worker-a", 1000)).get("default") ?? [];
    expect(claimed.map((d) => d.id)).toEqual([q?.id]);
    const attempts = [{ started: Date.now(), httpStatus: 200, durationMs: 5 }];
    await pgCycle(
      t.db,
      claimed.map((delivery) => ({ delivery, kind: "delivered" as const, attempts })),
      [],
      "worker-a",
      1000,
    );
    const log = await getLog(admin, q?.log ?? "");
    expect(log.status).toBe("Delivered");
    expect(log.attemptList.map((a) => a.id)).toEqual([3_000_000_000]);
  });
});

describe.runIf(onPostgres)("wake-ups on PostgreSQL", () => {
  it("a burst of notifications costs one pg_notify per topic, sent for every process", async () => {
    const listener = new pg.Client({ connectionString: t.url });
    await listener.connect();
    try {
      const got: string[] = [];
      listener.on("notification", (n) => got.push(n.payload ?? ""));
      await listener.query(`LISTEN ${WORK_CHANNEL}`);
      for (let i = 0; i < 5; i++) notifyDeliveriesQueued(t.db);
      notifyJobQueued(t.db);
      await until(() => got.length >= 2, 5000, "the notifications");
      await sleep(200);
      expect(got.sort()).toEqual(["job", "queued"]);
    } finally {
      await listener.end();
    }
  });

  it("listenForWork reconnects when its connection is cut, and hears the next wake-up", async () => {
    const got: Topic[] = [];
    const pool = pgPool(t.db);
    const stop = listenForWork(pool, (topic) => got.push(topic));
    const listening = () =>
      rawAll<{ pid: number }>(
        sql`SELECT pid FROM pg_stat_activity WHERE application_name = 'webhook-desk-listen' AND datname = current_database()`,
        t.db,
      );
    try {
      // On connecting it reports "anything committed meanwhile".
      await until(() => got.length >= 2, 5000, "the listener's first connection");
      await rawRun(
        sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'webhook-desk-listen' AND datname = current_database()`,
        t.db,
      );
      got.length = 0;
      await until(async () => got.length >= 2 && (await listening()).length === 1, 10_000, "the listener to reconnect");
      got.length = 0;
      // From another process's pool: only LISTEN carries it here.
      const other = openPg(t.url, { max: 1 });
      try {
        await rawRun(sql`SELECT pg_notify(${WORK_CHANNEL}, 'job')`, other);
      } finally {
        await closeDb(other);
      }
      await until(() => got.includes("job"), 5000, "the wake-up after the reconnect");
    } finally {
      stop();
    }
  });
});
