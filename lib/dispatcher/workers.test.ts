// Several workers on one database, on either dialect (PostgreSQL: pg-boss jobs; SQLite:
// leases): two dispatchers claiming one backlog at once never send a delivery twice; the
// per-webhook cap lets another webhook's delivery through a flood; jobs that would have been
// lost are repaired. Real loopback receivers; deliveries queued through the store.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openPg, closeDb, rawAll, rawRun } from "@/db";
import { sql } from "drizzle-orm";
import { bumpWebhookVersion, refreshWebhookCache, webhookByName } from "@/lib/delivery";
import { workerBundle } from "@/lib/worker-bundle";
import { freshDb, onPostgres, type FreshDb } from "@/test/db";
import { enqueue, fleet, insertWebhook, startReceiver, until, type Receiver } from "./test-support";

beforeAll(() => {
  process.env.WEBHOOK_DESK_ENCRYPTION_KEY = "workers-test-key";
  process.env.WEBHOOK_ALLOW_PRIVATE_NETWORK = "1";
});

let t: FreshDb;
let rec: Receiver;
const f = fleet();
const connection = () => f.connection(t);
const dispatcher = f.dispatcher;

beforeEach(async () => {
  // No seed: nothing here reads DocTypes.
  t = await freshDb({ seed: false });
  rec = await startReceiver();
});
afterEach(async () => {
  await f.close();
  await rec.close();
  await t.close();
});

const statuses = async () =>
  (await rawAll<{ status: string; n: number }>(sql`SELECT status, count(*) AS n FROM webhook_request_log GROUP BY status`, t.db)).reduce(
    (m, r) => ({ ...m, [r.status]: Number(r.n) }),
    {} as Record<string, number>,
  );

describe("several workers", () => {
  it("two dispatchers claiming one backlog at once send each delivery once", async () => {
    await insertWebhook(t.db, { name: "hook", url: `${rec.url}/hook` });
    const N = 300;
    const queued = await enqueue(
      t.db,
      { name: "hook", url: `${rec.url}/hook` },
      Array.from({ length: N }, (_, i) => JSON.stringify({ n: i })),
    );
    rec.respond = () => ({ status: 200, delayMs: 2 });
    const config = { concurrency: { short: 4, default: 16, long: 4 }, maxInflightPerWebhook: 0 };
    const a = dispatcher(connection(), config);
    const b = dispatcher(connection(), config);
    await until(async () => (await statuses()).Delivered === N, 30_000, `${N} delivered`);
    const ids = rec.received.map((r) => String(r.headers["webhook-id"]));
    expect(ids).toHaveLength(N);
    expect(new Set(ids)).toEqual(new Set(queued.map((q) => q.id)));
    // Both took part.
    expect(a.stats.delivered).toBeGreaterThan(0);
    expect(b.stats.delivered).toBeGreaterThan(0);
    expect(a.stats.delivered + b.stats.delivered).toBe(N);
    const left = await rawAll(sql`SELECT id FROM delivery`, t.db);
    expect(left).toEqual([]);
    if (onPostgres) expect(await rawAll(sql`SELECT id FROM pgboss.job`, t.db)).toEqual([]);
  });

  it("caps one webhook's in-flight requests so another webhook's delivery gets through its flood", async () => {
    await insertWebhook(t.db, { name: "flood", url: `${rec.url}/flood`, timeout: 10 });
    await insertWebhook(t.db, { name: "other", url: `${rec.url}/other` });
    // The flood's receiver never answers while the test runs: without the cap its requests
    // would fill every slot and the other webhook's delivery would wait behind 40 of them.
    rec.respond = (r) => (r.url === "/flood" ? { hang: true } : { status: 200 });
    await enqueue(
      t.db,
      { name: "flood", url: `${rec.url}/flood`, timeoutMs: 10_000 },
      Array.from({ length: 40 }, (_, i) => JSON.stringify({ n: i })),
    );
    dispatcher(connection(), { concurrency: { short: 1, default: 4, long: 1 }, maxInflightPerWebhook: 2 });
    await rec.waitFor(2);
    const [other] = await enqueue(t.db, { name: "other", url: `${rec.url}/other` }, [JSON.stringify({ other: true })]);
    await until(() => rec.received.find((r) => r.url === "/other"), 10_000, "the other webhook's delivery");
    expect(rec.received.find((r) => r.url === "/other")?.headers["webhook-id"]).toBe(other?.id);
    await until(async () => (await statuses()).Delivered === 1, 5000, "the other delivered");
    // The flood never had more than its cap in flight.
    expect(rec.received.filter((r) => r.url === "/flood")).toHaveLength(2);
  });

  it("lets a lone busy webhook use the slots others don't need, but for its cap's worth kept free", async () => {
    await insertWebhook(t.db, { name: "flood", url: `${rec.url}/flood`, timeout: 10 });
    rec.respond = () => ({ hang: true });
    await enqueue(
      t.db,
      { name: "flood", url: `${rec.url}/flood`, timeoutMs: 10_000 },
      Array.from({ length: 20 }, (_, i) => JSON.stringify({ n: i })),
    );
    // 8 slots, a cap of 2: with no other webhook waiting the flood may have 8 - 2 = 6.
    const d = dispatcher(connection(), { concurrency: { short: 1, default: 8, long: 1 }, maxInflightPerWebhook: 2 });
    await rec.waitFor(6);
    const seen = d.stats.cycles;
    await until(() => d.stats.cycles > seen + 8, 10_000, "eight more claim cycles");
    expect(rec.received.filter((r) => r.url === "/flood")).toHaveLength(6);
  });

  it.runIf(onPostgres)("gives a job to a pending delivery that lost (or never had) one", async () => {
    await insertWebhook(t.db, { name: "hook", url: `${rec.url}/hook` });
    const queued = await enqueue(t.db, { name: "hook", url: `${rec.url}/hook` }, ['{"n":1}', '{"n":2}']);
    // As `copy-to` leaves them: deliveries without jobs.
    await rawRun(sql`DELETE FROM pgboss.job`, t.db);
    await rawRun(sql`UPDATE delivery SET job = NULL`, t.db);
    dispatcher(connection());
    await until(async () => (await statuses()).Delivered === 2, 10_000, "both delivered");
    expect(new Set(rec.received.map((r) => r.headers["webhook-id"]))).toEqual(new Set(queued.map((q) => q.id)));
  });

  it("the dispatcher thread `npm start` runs delivers on its own connection, and stops when asked", async () => {
    await insertWebhook(t.db, { name: "hook", url: `${rec.url}/hook` });
    const w = new Worker(workerBundle("dispatcher"), {
      workerData: { role: "dispatcher", owner: "thread-test", file: onPostgres ? "" : t.file, url: onPostgres ? t.url : "" },
      env: { ...process.env, WEBHOOK_POLL_MS: "20" },
    });
    try {
      const [q] = await enqueue(t.db, { name: "hook", url: `${rec.url}/hook` }, ['{"n":1}']);
      const [r] = await rec.waitFor(1);
      expect(r?.headers["webhook-id"]).toBe(q?.id);
      await until(async () => (await statuses()).Delivered === 1, 5000, "delivered");
      const stopped = new Promise<unknown>((resolve) => w.on("message", (m: { type?: string }) => m.type === "stopped" && resolve(m)));
      w.postMessage({ type: "stop", drainMs: 100 });
      await stopped;
    } finally {
      await w.terminate();
    }
  });

  it("a webhook write in another process reaches this one's cache through the webhook_version setting", async () => {
    await insertWebhook(t.db, { name: "hook", url: "http://one.example/hook" });
    const here = connection();
    expect((await webhookByName(here, "hook", 0))?.row.requestUrl).toBe("http://one.example/hook");
    // Another process's write that the tables' fingerprint cannot see (same modified, same
    // counts), as raw SQL so no cache of this process is dropped by it.
    await rawRun(sql`UPDATE webhook SET request_url = 'http://two.example/hook' WHERE name = 'hook'`, t.db);
    await refreshWebhookCache(here);
    expect((await webhookByName(here, "hook", Infinity))?.row.requestUrl).toBe("http://one.example/hook");
    // With the version bumped in its transaction, the next check drops the cached webhook.
    await rawRun(sql`UPDATE webhook SET request_url = 'http://three.example/hook' WHERE name = 'hook'`, t.db);
    await rawRun(
      sql`INSERT INTO setting (key, value, modified) VALUES ('webhook_version', 'elsewhere', 0)
          ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      t.db,
    );
    await refreshWebhookCache(here);
    expect((await webhookByName(here, "hook", Infinity))?.row.requestUrl).toBe("http://three.example/hook");
    // bumpWebhookVersion does the same (and drops this process's copies at once).
    await rawRun(sql`UPDATE webhook SET request_url = 'http://four.example/hook' WHERE name = 'hook'`, t.db);
    await bumpWebhookVersion(t.db);
    expect((await webhookByName(here, "hook", 0))?.row.requestUrl).toBe("http://four.example/hook");
  });

  it.runIf(onPostgres)(
    "installs pg-boss on first use in a database migrated by a process that never loaded it (npm run db:migrate, the bootstrap)",
    async () => {
      const url = new URL(t.url);
      url.pathname = `${url.pathname}_m`;
      const name = url.pathname.slice(1);
      await rawRun(sql.raw(`CREATE DATABASE ${name}`), t.db);
      const db = openPg(url.toString(), { max: 2 });
      try {
        // Only db/migrate loaded, as in scripts/migrate.ts and scripts/bootstrap.ts.
        const script = `(async () => {
        const m = (x) => x.default ?? x;
        const { openFromEnv, closeDb } = m(await import("@/db"));
        const { migrateDatabase } = m(await import("@/db/migrate"));
        const db = openFromEnv();
        await migrateDatabase(db);
        await closeDb(db);
      })()`;
        const migrate = spawnSync(process.execPath, ["--import", "tsx", "--conditions=react-server", "--eval", script], {
          cwd: path.resolve(__dirname, "..", ".."),
          env: { ...process.env, DATABASE_URL: url.toString() },
          encoding: "utf8",
          timeout: 60_000,
        });
        expect(migrate.status, migrate.stderr).toBe(0);
        expect(await rawAll(sql`SELECT to_regclass('pgboss.job')::text AS t`, db)).toEqual([{ t: null }]);
        await insertWebhook(db, { name: "hook", url: `${rec.url}/hook` });
        const [q] = await enqueue(db, { name: "hook", url: `${rec.url}/hook` }, ['{"n":1}']);
        expect(await rawAll(sql`SELECT data->>'d' AS d FROM pgboss.job`, db)).toEqual([{ d: q?.id }]);
      } finally {
        await closeDb(db);
        await rawRun(sql.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`), t.db);
      }
    },
  );
});
