import "server-only";
import { count } from "drizzle-orm";
import { tx, type DB } from "@/db";
import { docfield, doctype, document, user } from "@/db/schema";
import { randomPassword } from "@/lib/auth/password";
import { SYSTEM_MANAGER } from "@/lib/constants";
import { createUserUnchecked } from "@/lib/services/user/users";
import { SEED_DOCTYPES, SEED_DOCUMENTS } from "./doctypes";

const ADMINISTRATOR = "Administrator";

export async function seedDoctypes(db: DB): Promise<void> {
  const now = Date.now();
  await tx(
    async (t) => {
      for (const dt of SEED_DOCTYPES) {
        await t
          .insert(doctype)
          .values({
            name: dt.name,
            module: dt.module,
            isSubmittable: !!dt.isSubmittable,
            isChild: !!dt.isChild,
            created: now,
            modified: now,
          })
          .onConflictDoNothing();
        if (dt.fields.length)
          await t
            .insert(docfield)
            .values(dt.fields.map((field, i) => ({ parent: dt.name, idx: i + 1, ...field, options: field.options ?? null })))
            .onConflictDoNothing();
      }
      if (SEED_DOCUMENTS.length)
        await t
          .insert(document)
          .values(SEED_DOCUMENTS.map((doc) => ({ doctype: String(doc.doctype), name: String(doc.name), data: doc, modified: now })))
          .onConflictDoNothing();
    },
    {},
    db,
  );
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
  const [users] = await db.select({ n: count() }).from(user);
  if ((users?.n ?? 0) > 0) return null;
  const password = adminPassword || randomPassword();
  await createUserUnchecked(db, {
    name: ADMINISTRATOR,
    email: "admin@example.com",
    fullName: "Administrator",
    password,
    roles: [SYSTEM_MANAGER],
  });
  await seedDoctypes(db);
  return { adminPassword: password, generated: !adminPassword };
}
