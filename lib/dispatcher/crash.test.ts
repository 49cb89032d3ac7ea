// kill -9 during dispatch, then a restart: every queued delivery still arrives (at least once).
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DB } from "@/db";
import { webhookRequestLog } from "@/db/schema";
import { ingestEvents, parseEventsBody } from "@/lib/services/event/events";
import { freshDb, type FreshDb } from "@/test/db";
import { insertWebhook, startReceiver, until, type Receiver } from "./test-support";

const ROOT = path.resolve(__dirname, "..", "..");
const KEY = "crash-test-key";

beforeAll(() => {
  process.env.WEBHOOK_DESK_ENCRYPTION_KEY = KEY;
});

let t: FreshDb;
let db: DB;
let rec: Receiver;
const children: ChildProcess[] = [];

function worker(): ChildProcess {
  // node with tsx's loader rather than the tsx CLI, which would run the worker in a child
  // process: the pid we SIGKILL must be the worker itself.
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=react-server", "scripts/worker.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: `file:${t.file}`,
      WEBHOOK_DESK_ENCRYPTION_KEY: KEY,
      WEBHOOK_ALLOW_PRIVATE_NETWORK: "1",
      WEBHOOK_POLL_MS: "50",
      WEBHOOK_LEASE_MARGIN_MS: "300",
      WEBHOOK_RETRY_SCHEDULE: "0.2",
      WEBHOOK_DRAIN_MS: "3000",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr?.on("data", (c: Buffer) => (err += c.toString()));
  child.on("exit", (code, signal) => {
    if (code && code !== 0) console.error(`worker exited ${code} ${signal ?? ""}: ${err}`);
  });
  children.push(child);
  return child;
}
const exited = (c: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => {
    if (c.exitCode !== null || c.signalCode !== null) r({ code: c.exitCode, signal: c.signalCode });
    else c.once("exit", (code, signal) => r({ code, signal }));
  });

beforeEach(async () => {
  t = await freshDb();
  db = t.db;
  rec = await startReceiver();
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await rec.close();
  t.close();
});

const statuses = () =>
  db
    .select({ status: webhookRequestLog.status })
    .from(webhookRequestLog)
    .all()
    .map((r) => r.status);

describe("crash safety", () => {
  it("delivers everything after kill -9 mid-send and a restart", async () => {
    insertWebhook(db, { name: "hook", url: `${rec.url}/hook`, timeout: 2 });
    const N = 30;
    await ingestEvents(
      db,
      { user: "Administrator" },
      parseEventsBody(Array.from({ length: N }, (_, i) => ({ doctype: "Quotation", event: "on_update", doc: { name: `Q-${i}` } }))),
    );
    // The receiver stalls: everything the first worker sends is left hanging.
    let stall = true;
    rec.respond = () => (stall ? { hang: true } : { status: 200 });
    const first = worker();
    await rec.waitFor(N, 15_000);
    first.kill("SIGKILL");
    await exited(first);
    // Nothing was acknowledged: every log is still Queued, every delivery still leased.
    expect(statuses()).toEqual(Array(N).fill("Queued"));
    stall = false;
    const second = worker();
    await until(() => statuses().filter((s) => s === "Delivered").length === N, 20_000, "all delivered after restart");
    const ids = new Set(rec.received.map((r) => r.headers["webhook-id"]));
    expect(ids.size).toBe(N);
    // Each was sent by the killed worker and again after the restart: at least once.
    expect(rec.received.length).toBeGreaterThanOrEqual(2 * N);
    second.kill("SIGTERM");
    expect((await exited(second)).code).toBe(0);
  });

  it("SIGTERM lets an in-flight request finish before exiting", async () => {
    insertWebhook(db, { name: "hook", url: `${rec.url}/hook` });
    rec.respond = () => ({ status: 200, delayMs: 800 });
    const w = worker();
    await ingestEvents(db, { user: "Administrator" }, parseEventsBody({ doctype: "Quotation", event: "on_update", doc: { name: "Q-1" } }));
    await rec.waitFor(1, 15_000);
    w.kill("SIGTERM");
    expect((await exited(w)).code).toBe(0);
    expect(statuses()).toEqual(["Delivered"]);
  });
});
