// The one Frappe REST adapter: how every /api/resource/* answer writes a datetime, how a
// datetime in a filter is read, how Frappe's `filters` parameter is parsed, and how a dynamic
// route segment becomes a name. Every resource (Webhook, Webhook Request Log, Activity Log,
// DocType) goes through these, so they cannot drift apart. Drizzle-free and not server-only:
// the list filters (list-filter.schema.ts) that client components import use it too.
//
// Datetimes are UTC, always, whatever the server's time zone:
//   out: "YYYY-MM-DD HH:MM:SS.ffffff" (Frappe's text; the stored times are milliseconds, so
//        the last three digits are 0);
//   in:  the same text (fraction optional, "T" instead of the space accepted), an ISO time
//        with its own offset ("…Z", "…+05:30"), or epoch milliseconds (digits);
//        a date alone, "YYYY-MM-DD", is that UTC day (from its 00:00:00 UTC).
import { AppError } from "@/lib/errors";

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** Frappe's datetime text of epoch ms, in UTC: "2026-03-10 12:00:00.123000". */
export function toFrappeDatetime(ms: number): string;
export function toFrappeDatetime(ms: number | null): string | null;
export function toFrappeDatetime(ms: number | null): string | null {
  if (ms === null) return null;
  const d = new Date(ms);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}000`
  );
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(?:(Z)|([+-])(\d{2}):?(\d{2}))?$/i;

/** A date alone ("2026-03-10"): a whole UTC day where a range ends there. */
export const isDateOnly = (s: string) => DATE_ONLY.test(s.trim());

/**
 * Epoch ms of a datetime as the REST API takes it (see the top of this file), or null when
 * the text is none of those forms or names no real time (2026-02-30, 24:00).
 */
export function fromFrappeDatetime(input: string | number): number | null {
  if (typeof input === "number") return Number.isFinite(input) ? input : null;
  const s = input.trim();
  if (/^\d{1,16}$/.test(s)) return Number(s);
  const m = DATETIME.exec(s);
  if (!m) return null;
  const [y, mo, d, h = 0, mi = 0, sec = 0] = m.slice(1, 7).map((v) => (v === undefined ? undefined : Number(v)));
  if (y === undefined || mo === undefined || d === undefined) return null;
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, "0")) : 0;
  if (h > 23 || mi > 59 || sec > 59) return null;
  const t = Date.UTC(y, mo - 1, d, h, mi, sec, ms);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  if (!m[9]) return t;
  const offset = (Number(m[10]) * 60 + Number(m[11])) * 60_000;
  return m[9] === "+" ? t - offset : t + offset;
}

/** One condition of Frappe's `filters`; the operator is lower case ("=", "like", "in"…). */
export type FilterTuple = [field: string, op: string, value: unknown];

const badFilters = (why: string) => new AppError("BAD_REQUEST", `Invalid filters: ${why}`);

/**
 * Parses Frappe's `filters` parameter, a JSON string or an already parsed value, in each of
 * Frappe's forms: `[[doctype, field, op, value]]`, `[[field, op, value]]`, `[[field, value]]`,
 * `{field: value}` and `{field: [op, value]}`. Blank or null is no filter.
 */
export function parseFrappeFilters(raw: unknown): FilterTuple[] {
  let value = raw;
  if (typeof raw === "string") {
    if (!raw.trim()) return [];
    try {
      value = JSON.parse(raw);
    } catch {
      throw badFilters("not valid JSON");
    }
  }
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) {
    return value.map((f): FilterTuple => {
      if (!Array.isArray(f)) throw badFilters("each filter must be [fieldname, operator, value]");
      const parts = f.length === 4 ? f.slice(1) : f;
      if (parts.length === 2) return [String(parts[0]), "=", parts[1]];
      if (parts.length === 3) return [String(parts[0]), String(parts[1]).toLowerCase(), parts[2]];
      throw badFilters("each filter must be [fieldname, operator, value]");
    });
  }
  if (typeof value === "object") {
    return Object.entries(value).map(([field, v]): FilterTuple =>
      Array.isArray(v) && v.length === 2 && typeof v[0] === "string" ? [field, v[0].toLowerCase(), v[1]] : [field, "=", v],
    );
  }
  throw badFilters("use an object or a list of [fieldname, operator, value]");
}

/** A fieldname as Frappe clients may spell it: "`tabWebhook`.name" is `name`. */
export const bareFieldname = (field: string, doctype: string) =>
  field
    .replace(new RegExp(`^\`?tab${doctype.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\`?\\.`), "")
    .replace(/`/g, "")
    .trim();

/**
 * A desk page's dynamic segment (`/app/webhook/[name]`) as the name it stands for. Next 16
 * hands pages their segments still percent-encoded (even re-encoding a "+" as "%2B"), so a
 * page decodes once, here. Route handlers need nothing: Next hands them their segments
 * decoded once already, and the guard passes them on as they came — decoding again would
 * turn a webhook named "Orders%20EU" into "Orders EU". Both are pinned by e2e/webhook.spec.ts.
 */
export function pageParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
