import "server-only";
import { sql } from "drizzle-orm";
import type { DB } from "@/db";
import { docfield, doctype, document, user } from "@/db/schema";
import { randomPassword } from "@/lib/auth/password";
import { SYSTEM_MANAGER } from "@/lib/constants";
import { createUserUnchecked } from "@/lib/services/user/users";
import { SEED_DOCTYPES, SEED_DOCUMENTS } from "./doctypes";

const ADMINISTRATOR = "Administrator";

export function seedDoctypes(db: DB): void {
  const now = Date.now();
  db.transaction((tx) => {
    for (const dt of SEED_DOCTYPES) {
      tx.insert(doctype)
        .values({ name: dt.name, module: dt.module, isSubmittable: !!dt.isSubmittable, isChild: !!dt.isChild, created: now, modified: now })
        .onConflictDoNothing()
        .run();
      dt.fields.forEach((field, i) => {
        tx.insert(docfield)
          .values({ parent: dt.name, idx: i + 1, ...field, options: field.options ?? null })
          .onConflictDoNothing()
          .run();
      });
    }
    for (const doc of SEED_DOCUMENTS) {
      tx.insert(document)
        .values({ doctype: String(doc.doctype), name: String(doc.name), data: doc, modified: now })
        .onConflictDoNothing()
        .run();
    }
  });
}

/**
 * Seeds an empty database: the Administrator (password from ADMIN_PASSWORD, else a random
 * one returned so the caller prints it once) and the demo doctypes and documents.
 * Returns null when the database already has users.
 */
export async function seedIfEmpty(
  db: DB,
  adminPassword = process.env.ADMIN_PASSWORD,
): Promise<{ adminPassword: string; generated: boolean } | null> {
  const count =
    db
      .select({ n: sql<number>`count(*)` })
      .from(user)
      .get()?.n ?? 0;
  if (count > 0) return null;
  const password = adminPassword || randomPassword();
  await createUserUnchecked(db, {
    name: ADMINISTRATOR,
    email: "admin@example.com",
    fullName: "Administrator",
    password,
    roles: [SYSTEM_MANAGER],
  });
  seedDoctypes(db);
  return { adminPassword: password, generated: !adminPassword };
}
