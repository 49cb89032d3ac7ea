import "server-only";
// Every process that starts on a database (scripts/bootstrap.ts before the web server,
// scripts/worker.ts) checks that it has the same WEBHOOK_DESK_ENCRYPTION_KEY as the database's
// first start: an HMAC of a fixed text under the key is kept in the `setting` table. A node
// with another key could not decrypt the stored webhook secrets and API keys, and would store
// new ones no other node can read; it refuses to start instead. The HMAC tells nothing about
// the key. copy-to carries the row over with the other settings.
import { createHmac } from "node:crypto";
import { eq } from "drizzle-orm";
import { logger } from "@/lib/log";
import { encryptionKey } from "@/lib/config";
import { dialectOfDb, tx, type DB } from "./index";
import { setting } from "./schema";

export const KEY_CHECK_SETTING = "encryption_key_check";
const KEY_CHECK_TEXT = "webhook-desk: encryption key check";

const keyCheckOf = (key: string) => `v1:${createHmac("sha256", key).update(KEY_CHECK_TEXT).digest("base64url")}`;

export class EncryptionKeyMismatch extends Error {
  override name = "EncryptionKeyMismatch";
}

interface KeyCheckOptions {
  /** The key to check (default: encryptionKey(), the environment's or the data folder's). */
  key?: string;
  env?: Record<string, string | undefined>;
  warn?: (message: string) => void;
}

/**
 * Stores the key's check on the database's first start; afterwards throws EncryptionKeyMismatch
 * when this process's key is another one. On PostgreSQL, warns when the key can only come from
 * ./data (neither WEBHOOK_DESK_ENCRYPTION_KEY nor DATA_DIR set): every node needs the same key.
 */
export async function checkEncryptionKey(db: DB, opts: KeyCheckOptions = {}): Promise<void> {
  const env = opts.env ?? process.env;
  if (dialectOfDb(db) === "pg" && !env.WEBHOOK_DESK_ENCRYPTION_KEY && !env.DATA_DIR) {
    (opts.warn ?? ((m: string) => logger("db").warn(m)))(
      "Warning: on PostgreSQL neither WEBHOOK_DESK_ENCRYPTION_KEY nor DATA_DIR is set, so this process uses ./data/encryption.key " +
        "(generated if missing). Every node must have the same key: set WEBHOOK_DESK_ENCRYPTION_KEY on all of them.",
    );
  }
  const mine = keyCheckOf(opts.key ?? encryptionKey());
  const stored = await tx(
    async (t) => {
      await t.insert(setting).values({ key: KEY_CHECK_SETTING, value: mine, modified: Date.now() }).onConflictDoNothing();
      const [row] = await t.select({ value: setting.value }).from(setting).where(eq(setting.key, KEY_CHECK_SETTING)).limit(1);
      return row?.value;
    },
    {},
    db,
  );
  if (stored !== mine) {
    throw new EncryptionKeyMismatch(
      "This process's WEBHOOK_DESK_ENCRYPTION_KEY is not the key this database's secrets are encrypted with " +
        "(the one of its first start). Refusing to start: set WEBHOOK_DESK_ENCRYPTION_KEY (or DATA_DIR's encryption.key) " +
        "to that key, the same on every node.",
    );
  }
}
