import "server-only";
import { asc, count, eq } from "drizzle-orm";
import { z } from "zod";
import { changes, getDb, tx } from "@/db";
import { docfield, doctype, document } from "@/db/schema";
import { requireManager, type Actor } from "@/lib/auth/roles";
import { notFound, zodToAppError } from "@/lib/errors";
import { toFrappeDatetime } from "../frappe-rest/adapter";
import { containsCi } from "../frappe-rest/keyset";

export async function listDoctypes(actor: Actor | null, q: { search?: string; includeChild?: boolean } = {}, db = getDb()) {
  requireManager(actor);
  const docs = await db
    .select({ doctype: document.doctype, n: count() })
    .from(document)
    .where(eq(document.deleted, false))
    .groupBy(document.doctype);
  const counts = new Map(docs.map((d) => [d.doctype, d.n]));
  const fields = await db.select({ parent: docfield.parent, n: count() }).from(docfield).groupBy(docfield.parent);
  const fieldCounts = new Map(fields.map((r) => [r.parent, r.n]));
  const rows = await db
    .select()
    .from(doctype)
    .where(q.search ? containsCi(doctype.name, q.search) : undefined)
    .orderBy(asc(doctype.name));
  return rows
    .filter((d) => q.includeChild !== false || !d.isChild)
    .map((d) => ({ ...d, documents: counts.get(d.name) ?? 0, fields: fieldCounts.get(d.name) ?? 0 }));
}

export async function getDoctype(actor: Actor | null, name: string, db = getDb()) {
  requireManager(actor);
  const [d] = await db.select().from(doctype).where(eq(doctype.name, name)).limit(1);
  if (!d) throw notFound(`DocType ${name}`);
  const fields = await db.select().from(docfield).where(eq(docfield.parent, name)).orderBy(asc(docfield.idx), asc(docfield.fieldname));
  return { ...d, fields };
}

const updateDoctypeSchema = z.object({ is_submittable: z.boolean() });

export async function updateDoctype(actor: Actor | null, name: string, input: unknown, db = getDb()) {
  requireManager(actor);
  const parsed = updateDoctypeSchema.safeParse(input);
  if (!parsed.success) throw zodToAppError(parsed.error);
  const res = await tx(
    (t) => t.update(doctype).set({ isSubmittable: parsed.data.is_submittable, modified: Date.now() }).where(eq(doctype.name, name)),
    {},
    db,
  );
  if (changes(res) === 0) throw notFound(`DocType ${name}`);
  return getDoctype(actor, name, db);
}

/** Frappe-style snake_case JSON for the REST resource. */
export function doctypeJson(d: Awaited<ReturnType<typeof getDoctype>>) {
  return {
    name: d.name,
    module: d.module,
    is_submittable: d.isSubmittable ? 1 : 0,
    istable: d.isChild ? 1 : 0,
    custom: d.inferred ? 1 : 0,
    creation: toFrappeDatetime(d.created),
    modified: toFrappeDatetime(d.modified),
    fields: d.fields.map((f) => ({ idx: f.idx, fieldname: f.fieldname, label: f.label, fieldtype: f.fieldtype, options: f.options })),
  };
}
