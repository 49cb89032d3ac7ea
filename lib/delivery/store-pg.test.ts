// The PostgreSQL store's rules below the dispatcher: wake-ups reach other processes after
// the commit, coalesced.
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sleep, until } from "@/lib/dispatcher/test-support";
import { freshDb, onPostgres, type FreshDb } from "@/test/db";
import { notifyDeliveriesQueued, notifyJobQueued, WORK_CHANNEL } from "./signal";

let t: FreshDb;
beforeEach(async () => {
  t = await freshDb({ seed: false });
});
afterEach(async () => {
  await t.close();
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
});
