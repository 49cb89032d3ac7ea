// The encryption key check every start runs (scripts/bootstrap.ts, scripts/worker.ts), on both
// dialects: the first start stores it, the same key passes, another key is refused.
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { checkEncryptionKey, EncryptionKeyMismatch, KEY_CHECK_SETTING } from "@/db/key-check";
import { setting } from "@/db/schema";
import { freshDb, onPostgres, type FreshDb } from "@/test/db";

let t: FreshDb;
beforeEach(async () => {
  t = await freshDb({ seed: false });
});
afterEach(() => t.close());

const stored = async () => (await getDb().select().from(setting).where(eq(setting.key, KEY_CHECK_SETTING)))[0]?.value;
const quiet = { env: { WEBHOOK_DESK_ENCRYPTION_KEY: "set" }, warn: () => {} };

describe("checkEncryptionKey", () => {
  it("stores the key's check on the first start and passes the same key after", async () => {
    expect(await stored()).toBeUndefined();
    await checkEncryptionKey(t.db, { ...quiet, key: "key-one" });
    const check = await stored();
    expect(check).toMatch(/^v1:[A-Za-z0-9_-]{43}$/);
    expect(check).not.toContain("key-one");
    await checkEncryptionKey(t.db, { ...quiet, key: "key-one" });
    expect(await stored()).toBe(check);
  });

  it("refuses another key with a clear message, and keeps the first one's check", async () => {
    await checkEncryptionKey(t.db, { ...quiet, key: "key-one" });
    const check = await stored();
    const other = checkEncryptionKey(t.db, { ...quiet, key: "key-two" });
    await expect(other).rejects.toThrow(EncryptionKeyMismatch);
    await expect(checkEncryptionKey(t.db, { ...quiet, key: "key-two" })).rejects.toThrow(
      /WEBHOOK_DESK_ENCRYPTION_KEY is not the key this database's secrets are encrypted with.*Refusing to start/,
    );
    expect(await stored()).toBe(check);
  });

  it("uses the process's key by default", async () => {
    const before = process.env.WEBHOOK_DESK_ENCRYPTION_KEY;
    process.env.WEBHOOK_DESK_ENCRYPTION_KEY = "env-key";
    try {
      await checkEncryptionKey(t.db, quiet);
      await expect(checkEncryptionKey(t.db, { ...quiet, key: "env-key" })).resolves.toBeUndefined();
      await expect(checkEncryptionKey(t.db, { ...quiet, key: "another" })).rejects.toThrow(EncryptionKeyMismatch);
    } finally {
      if (before === undefined) delete process.env.WEBHOOK_DESK_ENCRYPTION_KEY;
      else process.env.WEBHOOK_DESK_ENCRYPTION_KEY = before;
    }
  });

  it(`warns ${onPostgres ? "on PostgreSQL when neither WEBHOOK_DESK_ENCRYPTION_KEY nor DATA_DIR is set" : "never on SQLite"}`, async () => {
    const warnings: string[] = [];
    const warn = (m: string) => warnings.push(m);
    await checkEncryptionKey(t.db, { key: "k", env: {}, warn });
    await checkEncryptionKey(t.db, { key: "k", env: { WEBHOOK_DESK_ENCRYPTION_KEY: "k" }, warn });
    await checkEncryptionKey(t.db, { key: "k", env: { DATA_DIR: "/srv/desk" }, warn });
    if (onPostgres) {
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/neither WEBHOOK_DESK_ENCRYPTION_KEY nor DATA_DIR is set/);
    } else {
      expect(warnings).toEqual([]);
    }
  });
});
