import "server-only";
// Registers DocTypes (and their fields) from the documents host apps post, so a DocType
// nobody defined by hand still appears in the desk with usable fields. Known DocType
// names and fieldnames are cached per database and validated by one fingerprint query
// per request: on the hot path this is a few Set lookups per event. Cache additions are applied only after the caller's transaction
// commits, so a rolled-back request leaves no phantom entries.
import { and, count, eq, max, sql } from "drizzle-orm";
import type { DB } from "@/db";
import { docfield, doctype } from "@/db/schema";

/** Frappe's standard fields: every document has them, they are not DocFields. */
const STANDARD_FIELDS = new Set([
  "name",
  "doctype",
  "owner",
  "creation",
  "modified",
  "modified_by",
  "docstatus",
  "idx",
  "parent",
  "parentfield",
  "parenttype",
]);
const MAX_NEW_FIELDS = 200;

interface Known {
  /** Fingerprint of the doctype/docfield tables when `fields` was filled. */
  version: string;
  fields: Map<string, Set<string>>;
}
const g = globalThis as unknown as {
  __webhookKnownDoctypes?: WeakMap<object, Known>;
  __webhookSubmittable?: WeakMap<object, Set<string>>;
};
const knownFor = (db: object): Known => {
  g.__webhookKnownDoctypes ??= new WeakMap();
  let k = g.__webhookKnownDoctypes.get(db);
  if (!k) {
    k = { version: "", fields: new Map() };
    g.__webhookKnownDoctypes.set(db, k);
  }
  return k;
};

const labelFor = (fieldname: string): string =>
  fieldname
    .split(/[_\s]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(" ") || fieldname;

const isPlainObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

function inferFieldtype(value: unknown): string {
  if (typeof value === "boolean") return "Check";
  if (typeof value === "number") return Number.isInteger(value) ? "Int" : "Float";
  if (typeof value === "string") {
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return "Date";
    if (/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) return "Datetime";
    return value.length > 140 || value.includes("\n") ? "Text" : "Data";
  }
  if (Array.isArray(value)) return value.length > 0 && value.every(isPlainObject) ? "Table" : "JSON";
  if (isPlainObject(value)) return "JSON";
  return "Data";
}

/** Child DocType for a Table field: the rows' own `doctype`, else "<Parent> Item"-style. */
function childDoctypeName(parent: string, fieldname: string, rows: Record<string, unknown>[]): string {
  const own = rows.find((r) => typeof r.doctype === "string" && r.doctype.trim())?.doctype;
  if (typeof own === "string") return own.trim();
  const base = fieldname === "items" ? "Item" : labelFor(fieldname.replace(/s$/, ""));
  return `${parent} ${base}`;
}

// The version check runs on every ingest request: prepared once per handle (on SQLite, one
// statement per connection). The rest runs only for a DocType or field not seen before.
function statements(db: DB) {
  return {
    // Cheap enough per request; catches DocTypes and fields edited or deleted by hand.
    version: db
      .select({
        doctypes: count(),
        modified: sql<number>`coalesce(max(${doctype.modified}), 0)`.mapWith(Number),
        fields: sql<number>`(SELECT count(*) FROM ${docfield})`.mapWith(Number),
      })
      .from(doctype)
      .prepare(),
  };
}
const stmtCache = new WeakMap<DB, ReturnType<typeof statements>>();

async function versionOf(db: DB): Promise<string> {
  let s = stmtCache.get(db);
  if (!s) stmtCache.set(db, (s = statements(db)));
  const [v] = await s.version.execute();
  return v ? `${v.doctypes}:${v.modified}|${v.fields}` : "";
}

/**
 * Makes sure `doctype` exists and has a DocField for each key of `doc` (recursing into
 * child tables). Runs inside the caller's transaction (open it there with `open(t, db)`);
 * `publish()` after commit makes the additions known to later requests.
 */
export class DoctypeRegistrar {
  private readonly staged = new Map<string, Set<string>>();
  private readonly stagedSubmittable = new Set<string>();

  /**
   * `db`: the handle to write with (the transaction's); `cacheKey`: the database the caches
   * belong to (the process's handle, which outlives the transaction).
   */
  private constructor(
    private readonly db: DB,
    private readonly cacheKey: object,
    private readonly known: Known,
  ) {}

  static async open(db: DB, cacheKey: object = db): Promise<DoctypeRegistrar> {
    const known = knownFor(cacheKey);
    const version = await versionOf(db);
    if (version !== known.version) {
      known.fields.clear();
      known.version = version;
    }
    return new DoctypeRegistrar(db, cacheKey, known);
  }

  private async fieldsOf(name: string): Promise<Set<string> | undefined> {
    const staged = this.staged.get(name);
    if (staged) return staged;
    const cached = this.known.fields.get(name);
    if (cached) return cached;
    const [exists] = await this.db.select({ name: doctype.name }).from(doctype).where(eq(doctype.name, name)).limit(1);
    if (!exists) return undefined;
    const rows = await this.db.select({ fieldname: docfield.fieldname }).from(docfield).where(eq(docfield.parent, name));
    const set = new Set(rows.map((r) => r.fieldname));
    // Reading what is already committed: safe to cache at once.
    this.known.fields.set(name, set);
    return set;
  }

  /**
   * Returns true when it registered a new DocType. `submittable`: the host posted a submit
   * event (on_submit, on_cancel, on_update_after_submit), so an inferred DocType is one.
   */
  async register(name: string, doc: Record<string, unknown>, isChild = false, now = Date.now(), submittable = false): Promise<boolean> {
    const existing = await this.fieldsOf(name);
    if (existing && submittable) await this.markSubmittable(name, now);
    const missing = Object.keys(doc).filter((k) => !STANDARD_FIELDS.has(k) && !existing?.has(k));
    if (existing && missing.length === 0) return false;
    // Copy-on-write: the shared cache only changes in publish().
    const fields = new Set(existing ?? []);
    if (!existing) {
      await this.db
        .insert(doctype)
        .values({ name, module: "Custom", isSubmittable: submittable, isChild, inferred: true, created: now, modified: now })
        .onConflictDoNothing();
    }
    let idx = 0;
    if (existing) {
      const [m] = await this.db
        .select({ m: max(docfield.idx) })
        .from(docfield)
        .where(eq(docfield.parent, name));
      idx = m?.m ?? 0;
    }
    for (const fieldname of missing.slice(0, MAX_NEW_FIELDS)) {
      const value = doc[fieldname];
      const fieldtype = inferFieldtype(value);
      let options: string | null = null;
      if (fieldtype === "Table" && Array.isArray(value)) {
        const rows = value.filter(isPlainObject);
        options = childDoctypeName(name, fieldname, rows);
        // Union of the first rows' keys, so optional columns are seen too.
        const sample: Record<string, unknown> = {};
        for (const r of rows.slice(0, 20)) for (const [k, v] of Object.entries(r)) if (!(k in sample) || sample[k] == null) sample[k] = v;
        await this.register(options, sample, true, now);
      }
      idx += 1;
      await this.db
        .insert(docfield)
        .values({ parent: name, idx, fieldname, label: labelFor(fieldname), fieldtype, options })
        .onConflictDoNothing();
      fields.add(fieldname);
    }
    this.staged.set(name, fields);
    return !existing;
  }

  private submittableDone(): Set<string> {
    g.__webhookSubmittable ??= new WeakMap();
    let set = g.__webhookSubmittable.get(this.cacheKey);
    if (!set) {
      set = new Set();
      g.__webhookSubmittable.set(this.cacheKey, set);
    }
    return set;
  }

  private async markSubmittable(name: string, now: number): Promise<void> {
    // Once per DocType and database: after that the UPDATE would change nothing.
    if (this.submittableDone().has(name) || this.stagedSubmittable.has(name)) return;
    await this.db
      .update(doctype)
      .set({ isSubmittable: true, modified: now })
      .where(and(eq(doctype.name, name), eq(doctype.inferred, true), eq(doctype.isSubmittable, false)));
    this.stagedSubmittable.add(name);
  }

  /** After commit: make the new DocTypes and fields known to later requests. `db`: a handle outside the transaction. */
  async publish(db: DB): Promise<void> {
    if (this.staged.size) {
      for (const [k, v] of this.staged) this.known.fields.set(k, v);
      this.staged.clear();
      // Our own additions are already in the cache: don't let them invalidate it.
      this.known.version = await versionOf(db);
    }
    const done = this.submittableDone();
    for (const d of this.stagedSubmittable) done.add(d);
    this.stagedSubmittable.clear();
  }
}
