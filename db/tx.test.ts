// tx() and getDb() on both dialects: a transaction commits or rolls back whole, services
// called inside it join it, concurrent transactions on one SQLite connection don't
// interleave, and work a transaction leaves behind runs on the root handle after it ends.
import { eq, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closeDb, getDb, inTransaction, openPg, pgPool, rawGet, tx, type DB } from "@/db";
import { setting } from "@/db/schema";
import { AppError, asAppError } from "@/lib/errors";
import { freshDb, onPostgres, type FreshDb } from "@/test/db";

let t: FreshDb;
beforeEach(async () => {
  t = await freshDb({ seed: false });
});
afterEach(() => t.close());

const read = async (key: string) => (await getDb().select().from(setting).where(eq(setting.key, key)))[0]?.value;

async function bump(key: string): Promise<void> {
  await tx(async (db) => {
    const [row] = await db.select().from(setting).where(eq(setting.key, key));
    // Let other requests run between the read and the write.
    await new Promise((r) => setImmediate(r));
    const next = String(Number(row?.value ?? "0") + 1);
    if (row) await db.update(setting).set({ value: next, modified: Date.now() }).where(eq(setting.key, key));
    else await db.insert(setting).values({ key, value: next, modified: Date.now() });
  });
}

describe("tx()", () => {
  it("commits, and rolls back everything when the body throws", async () => {
    await tx(async (db) => {
      await db.insert(setting).values({ key: "a", value: "1", modified: 1 });
    });
    await expect(
      tx(async (db) => {
        await db.insert(setting).values({ key: "b", value: "1", modified: 1 });
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await read("a")).toBe("1");
    expect(await read("b")).toBeUndefined();
  });

  it("getDb() inside a transaction is the transaction, and a nested tx() joins it", async () => {
    await expect(
      tx(async (outer) => {
        expect(getDb()).toBe(outer);
        expect(inTransaction()).toBe(true);
        await tx(async (inner) => {
          expect(inner).toBe(outer);
          await getDb().insert(setting).values({ key: "nested", value: "1", modified: 1 });
        });
        throw new Error("undo");
      }),
    ).rejects.toThrow("undo");
    expect(await read("nested")).toBeUndefined();
    expect(inTransaction()).toBe(false);
  });

  it("concurrent read-modify-write transactions do not lose updates", async () => {
    await Promise.all(Array.from({ length: 20 }, () => bump("counter")));
    expect(await read("counter")).toBe("20");
  });

  it("work started inside a transaction that outlives it uses the root handle", async () => {
    let later: Promise<unknown> | undefined;
    await tx(async (db) => {
      await db.insert(setting).values({ key: "x", value: "1", modified: 1 });
      later = new Promise((r) => setTimeout(r, 20)).then(() => rawGet<{ n: number }>(sql`SELECT count(*) AS n FROM setting`));
    });
    expect(await later).toEqual({ n: 1 });
    expect(inTransaction()).toBe(false);
  });

  it.runIf(onPostgres)("a handle kept past its transaction's end refuses queries (its connection went back to the pool)", async () => {
    let kept: DB | undefined;
    await tx(async (db) => {
      kept = db;
      await db.insert(setting).values({ key: "kept", value: "1", modified: 1 });
    });
    // drizzle wraps the refusal in its "Failed query" error
    await expect((kept as DB).select().from(setting)).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/transaction has ended/) },
    });
    expect(await read("kept")).toBe("1");
  });

  it.runIf(onPostgres)("a full pool answers BUSY after DATABASE_CONNECT_TIMEOUT_MS instead of waiting forever", async () => {
    const before = process.env.DATABASE_CONNECT_TIMEOUT_MS;
    process.env.DATABASE_CONNECT_TIMEOUT_MS = "200";
    const small = openPg(t.url, { max: 1 });
    if (before === undefined) delete process.env.DATABASE_CONNECT_TIMEOUT_MS;
    else process.env.DATABASE_CONNECT_TIMEOUT_MS = before;
    const held = await pgPool(small)?.connect();
    try {
      const err = await tx((db) => db.select().from(setting), {}, small).then(
        () => undefined,
        (e: unknown) => e,
      );
      const mapped = asAppError(err);
      expect(mapped).toBeInstanceOf(AppError);
      expect((mapped as AppError).code).toBe("BUSY");
    } finally {
      held?.release();
      await closeDb(small);
    }
  });
});
