import "server-only";
// Registers DocTypes (and their fields) from the documents host apps post, so a DocType
// nobody defined by hand still appears in the desk with usable fields. Known DocType
// names and fieldnames are cached per connection and validated by one fingerprint query
// per request: on the hot path this is a few Set lookups per event. Cache additions are applied only after the caller's transaction
// commits, so a rolled-back request leaves no phantom entries.
import type Database from "better-sqlite3";

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
  __webhookKnownDoctypes?: WeakMap<Database.Database, Known>;
  __webhookSubmittable?: WeakMap<Database.Database, Set<string>>;
};
const knownFor = (db: Database.Database): Known => {
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

function statements(db: Database.Database) {
  return {
    fieldsOf: db.prepare<[string], { fieldname: string }>("SELECT fieldname FROM docfield WHERE parent = ?"),
    exists: db.prepare<[string], { name: string }>("SELECT name FROM doctype WHERE name = ?"),
    // Cheap enough per request; catches DocTypes and fields edited or deleted by hand.
    version: db.prepare<[], { v: string }>(
      "SELECT (SELECT count(*) || ':' || coalesce(max(modified), 0) FROM doctype) || '|' || (SELECT count(*) FROM docfield) AS v",
    ),
    maxIdx: db.prepare<[string], { m: number | null }>("SELECT max(idx) AS m FROM docfield WHERE parent = ?"),
    insertDoctype: db.prepare(
      "INSERT OR IGNORE INTO doctype (name, module, is_submittable, is_child, inferred, created, modified) VALUES (?, 'Custom', ?, ?, 1, ?, ?)",
    ),
    markSubmittable: db.prepare(
      "UPDATE doctype SET is_submittable = 1, modified = ? WHERE name = ? AND inferred = 1 AND is_submittable = 0",
    ),
    insertField: db.prepare("INSERT OR IGNORE INTO docfield (parent, idx, fieldname, label, fieldtype, options) VALUES (?, ?, ?, ?, ?, ?)"),
  };
}
const stmtCache = new WeakMap<Database.Database, ReturnType<typeof statements>>();

/**
 * Makes sure `doctype` exists and has a DocField for each key of `doc` (recursing into
 * child tables). Runs inside the caller's transaction; returns a function that publishes
 * the cache additions, to be called after commit.
 */
export class DoctypeRegistrar {
  private readonly known: Known;
  private readonly staged = new Map<string, Set<string>>();
  private readonly stagedSubmittable = new Set<string>();
  private readonly s: ReturnType<typeof statements>;

  private readonly db: Database.Database;

  constructor(db: Database.Database) {
    this.db = db;
    this.known = knownFor(db);
    let s = stmtCache.get(db);
    if (!s) {
      s = statements(db);
      stmtCache.set(db, s);
    }
    this.s = s;
    const version = s.version.get()?.v ?? "";
    if (version !== this.known.version) {
      this.known.fields.clear();
      this.known.version = version;
    }
  }

  private fieldsOf(doctype: string): Set<string> | undefined {
    const staged = this.staged.get(doctype);
    if (staged) return staged;
    const cached = this.known.fields.get(doctype);
    if (cached) return cached;
    if (!this.s.exists.get(doctype)) return undefined;
    const set = new Set(this.s.fieldsOf.all(doctype).map((r) => r.fieldname));
    // Reading what is already committed: safe to cache at once.
    this.known.fields.set(doctype, set);
    return set;
  }

  /**
   * Returns true when it registered a new DocType. `submittable`: the host posted a submit
   * event (on_submit, on_cancel, on_update_after_submit), so an inferred DocType is one.
   */
  register(doctype: string, doc: Record<string, unknown>, isChild = false, now = Date.now(), submittable = false): boolean {
    const existing = this.fieldsOf(doctype);
    if (existing && submittable) this.markSubmittable(doctype, now);
    const missing = Object.keys(doc).filter((k) => !STANDARD_FIELDS.has(k) && !existing?.has(k));
    if (existing && missing.length === 0) return false;
    // Copy-on-write: the shared cache only changes in publish().
    const fields = new Set(existing ?? []);
    if (!existing) this.s.insertDoctype.run(doctype, submittable ? 1 : 0, isChild ? 1 : 0, now, now);
    let idx = existing ? (this.s.maxIdx.get(doctype)?.m ?? 0) : 0;
    for (const fieldname of missing.slice(0, MAX_NEW_FIELDS)) {
      const value = doc[fieldname];
      const fieldtype = inferFieldtype(value);
      let options: string | null = null;
      if (fieldtype === "Table" && Array.isArray(value)) {
        const rows = value.filter(isPlainObject);
        options = childDoctypeName(doctype, fieldname, rows);
        // Union of the first rows' keys, so optional columns are seen too.
        const sample: Record<string, unknown> = {};
        for (const r of rows.slice(0, 20)) for (const [k, v] of Object.entries(r)) if (!(k in sample) || sample[k] == null) sample[k] = v;
        this.register(options, sample, true, now);
      }
      idx += 1;
      this.s.insertField.run(doctype, idx, fieldname, labelFor(fieldname), fieldtype, options);
      fields.add(fieldname);
    }
    this.staged.set(doctype, fields);
    return !existing;
  }

  private submittableDone(): Set<string> {
    g.__webhookSubmittable ??= new WeakMap();
    let set = g.__webhookSubmittable.get(this.db);
    if (!set) {
      set = new Set();
      g.__webhookSubmittable.set(this.db, set);
    }
    return set;
  }

  private markSubmittable(doctype: string, now: number): void {
    // Once per DocType and connection: after that the UPDATE would change nothing.
    if (this.submittableDone().has(doctype) || this.stagedSubmittable.has(doctype)) return;
    this.s.markSubmittable.run(now, doctype);
    this.stagedSubmittable.add(doctype);
  }

  /** After commit: make the new DocTypes and fields known to later requests. */
  publish(): void {
    if (this.staged.size) {
      for (const [k, v] of this.staged) this.known.fields.set(k, v);
      this.staged.clear();
      // Our own additions are already in the cache: don't let them invalidate it.
      this.known.version = this.s.version.get()?.v ?? "";
    }
    const done = this.submittableDone();
    for (const d of this.stagedSubmittable) done.add(d);
    this.stagedSubmittable.clear();
  }
}
