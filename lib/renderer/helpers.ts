// Frappe's whitelisted helpers (frappe.utils.* and a few Python builtins), shared by
// conditions and templates. Frappe keeps dates as "YYYY-MM-DD" strings and datetimes as
// "YYYY-MM-DD HH:MM:SS.ffffff", so these helpers take and return strings, which makes
// `doc.due_date == nowdate()` a plain string comparison exactly as in Frappe.
import { HelperError } from "./errors";
import { isPlainObject } from "./sandbox";
import { pyCompare, pyIterate, pyStr, truthy, typeName } from "./python";

export interface HelperDef {
  readonly name: string;
  /** Parameter names, for keyword arguments and arity errors. */
  readonly params: readonly string[];
  readonly required: number;
  /** Accepts any number of positional arguments (min, max). */
  readonly variadic?: boolean;
  readonly fn: (args: unknown[]) => unknown;
}

/** Longest string a helper may build, so `"x" * 10**9` cannot eat the heap. */
export const MAX_STRING_LENGTH = 1024 * 1024;

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

function localDate(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function localDateTime(d: Date): string {
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return `${localDate(d)} ${time}.${pad(d.getMilliseconds() * 1000, 6)}`;
}

const DATE_RE = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:([ T])(.*))?$/;

interface ParsedDate {
  y: number;
  m: number;
  d: number;
  /** The time part including its separator, kept verbatim by add_days. */
  rest: string;
}

function parseDate(value: unknown, fn: string): ParsedDate {
  if (value === null || value === undefined || value === "") {
    const now = new Date();
    return { y: now.getFullYear(), m: now.getMonth() + 1, d: now.getDate(), rest: "" };
  }
  if (value instanceof Date && !Number.isNaN(value.getTime())) {
    return { y: value.getFullYear(), m: value.getMonth() + 1, d: value.getDate(), rest: "" };
  }
  if (typeof value === "string") {
    const m = DATE_RE.exec(value.trim());
    if (m) {
      const y = Number(m[1]);
      const mo = Number(m[2]);
      const d = Number(m[3]);
      const probe = new Date(Date.UTC(y, mo - 1, d));
      if (probe.getUTCMonth() === mo - 1 && probe.getUTCDate() === d) {
        return { y, m: mo, d, rest: m[4] === undefined ? "" : `${m[4]}${m[5] ?? ""}` };
      }
    }
  }
  throw new HelperError(`${fn}: could not parse date ${pyRepr1(value)}`);
}

function pyRepr1(value: unknown): string {
  return typeof value === "string" ? `'${value}'` : pyStr(value);
}

function formatUtcDate(t: number): string {
  const d = new Date(t);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

function toInteger(value: unknown, fn: string): number {
  const n = typeof value === "boolean" ? Number(value) : typeof value === "number" ? value : Number.NaN;
  if (!Number.isFinite(n)) throw new HelperError(`${fn}: expected a number, got '${typeName(value)}'`);
  return Math.trunc(n);
}

function addDays(date: unknown, days: unknown): string {
  const p = parseDate(date, "add_days");
  const n = toInteger(days, "add_days");
  return formatUtcDate(Date.UTC(p.y, p.m - 1, p.d + n)) + p.rest;
}

function addMonths(date: unknown, months: unknown): string {
  const p = parseDate(date, "add_months");
  const n = toInteger(months, "add_months");
  const first = new Date(Date.UTC(p.y, p.m - 1 + n, 1));
  // Like dateutil's relativedelta: Jan 31 + 1 month is the last day of February.
  const lastDay = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return formatUtcDate(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), Math.min(p.d, lastDay))) + p.rest;
}

function getdate(value: unknown): string {
  const p = parseDate(value, "getdate");
  return `${p.y}-${pad(p.m)}-${pad(p.d)}`;
}

function dateDiff(a: unknown, b: unknown): number {
  const x = parseDate(a, "date_diff");
  const y = parseDate(b, "date_diff");
  return Math.round((Date.UTC(x.y, x.m - 1, x.d) - Date.UTC(y.y, y.m - 1, y.d)) / 86_400_000);
}

/** Round half away from zero at `precision` decimals, nudging binary representation error. */
function roundTo(n: number, precision: number): number {
  if (!Number.isFinite(n)) return n;
  const p = Math.max(0, Math.min(15, Math.trunc(precision)));
  const factor = 10 ** p;
  const scaled = Math.abs(n) * factor;
  const rounded = Math.round(scaled + scaled * Number.EPSILON) / factor;
  return n < 0 ? -rounded : rounded;
}

/** Python's round(): half to even. */
function pyRound(value: unknown, ndigits: unknown): number {
  const n = pyFloat(value);
  const digits = ndigits === undefined || ndigits === null ? 0 : toInteger(ndigits, "round");
  const factor = 10 ** Math.max(-15, Math.min(15, digits));
  const scaled = n * factor;
  const floor = Math.floor(scaled);
  const diff = scaled - floor;
  let r = diff > 0.5 ? floor + 1 : diff < 0.5 ? floor : floor % 2 === 0 ? floor : floor + 1;
  if (Object.is(r, -0)) r = 0;
  return r / factor;
}

/** Frappe's flt(): lenient, "1,234.5" → 1234.5, junk → 0. */
function flt(value: unknown, precision: unknown): number {
  let n: number;
  if (typeof value === "number") n = value;
  else if (typeof value === "boolean") n = Number(value);
  else if (typeof value === "string") {
    const cleaned = value.replace(/,/g, "").trim();
    n = cleaned === "" ? 0 : Number(cleaned);
    if (Number.isNaN(n)) n = 0;
  } else n = 0;
  if (precision === undefined || precision === null) return n;
  return roundTo(n, toInteger(precision, "flt"));
}

/** Frappe's cint(): int(float(x)) with 0 for anything unparseable. */
function cint(value: unknown): number {
  const n = flt(value, undefined);
  return Number.isFinite(n) ? Math.trunc(n) : 0;
}

function pyInt(value: unknown): number {
  if (typeof value === "boolean") return Number(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new HelperError("cannot convert float infinity or NaN to integer");
    return Math.trunc(value);
  }
  if (typeof value === "string") {
    const s = value.trim().replace(/_/g, "");
    if (/^[+-]?\d+$/.test(s)) return Number(s);
    throw new HelperError(`invalid literal for int() with base 10: ${pyRepr1(value)}`);
  }
  throw new HelperError(`int() argument must be a string or a number, not '${typeName(value)}'`);
}

function pyFloat(value: unknown): number {
  if (typeof value === "boolean" || typeof value === "number") return Number(value);
  if (typeof value === "string") {
    const s = value.trim().toLowerCase();
    if (/^[+-]?(inf|infinity)$/.test(s)) return s.startsWith("-") ? -Infinity : Infinity;
    if (/^[+-]?nan$/.test(s)) return Number.NaN;
    if (/^[+-]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(e[+-]?\d+)?$/.test(s)) return Number(s.replace(/_/g, ""));
    throw new HelperError(`could not convert string to float: ${pyRepr1(value)}`);
  }
  throw new HelperError(`float() argument must be a string or a number, not '${typeName(value)}'`);
}

function pyLen(value: unknown): number {
  if (typeof value === "string") return Array.from(value).length;
  if (Array.isArray(value)) return value.length;
  if (isPlainObject(value)) return Object.keys(value).length;
  throw new HelperError(`object of type '${typeName(value)}' has no len()`);
}

function extreme(name: "min" | "max", args: unknown[]): unknown {
  const items = args.length === 1 ? pyIterate(args[0]) : args;
  if (items.length === 0) throw new HelperError(`${name}() arg is an empty sequence`);
  let best = items[0];
  for (const item of items.slice(1)) {
    if (pyCompare(name === "min" ? "<" : ">", item, best)) best = item;
  }
  return best;
}

function pySum(iterable: unknown, start: unknown): number {
  let total = start === undefined ? 0 : Number(start);
  for (const item of pyIterate(iterable)) {
    if (typeof item !== "number" && typeof item !== "boolean") {
      throw new HelperError(`unsupported operand type(s) for +: 'int' and '${typeName(item)}'`);
    }
    total += Number(item);
  }
  return total;
}

function pyAbs(value: unknown): number {
  if (typeof value !== "number" && typeof value !== "boolean") {
    throw new HelperError(`bad operand type for abs(): '${typeName(value)}'`);
  }
  return Math.abs(Number(value));
}

const defs: HelperDef[] = [
  { name: "nowdate", params: [], required: 0, fn: () => localDate(new Date()) },
  { name: "today", params: [], required: 0, fn: () => localDate(new Date()) },
  { name: "now", params: [], required: 0, fn: () => localDateTime(new Date()) },
  { name: "now_datetime", params: [], required: 0, fn: () => localDateTime(new Date()) },
  { name: "getdate", params: ["string_date"], required: 0, fn: (a) => getdate(a[0]) },
  { name: "add_days", params: ["date", "days"], required: 2, fn: (a) => addDays(a[0], a[1]) },
  { name: "add_months", params: ["date", "months"], required: 2, fn: (a) => addMonths(a[0], a[1]) },
  { name: "date_diff", params: ["string_ed_date", "string_st_date"], required: 2, fn: (a) => dateDiff(a[0], a[1]) },
  { name: "flt", params: ["s", "precision"], required: 1, fn: (a) => flt(a[0], a[1]) },
  { name: "cint", params: ["s"], required: 1, fn: (a) => cint(a[0]) },
  {
    name: "cstr",
    params: ["s"],
    required: 1,
    fn: (a) => (a[0] === null || a[0] === undefined ? "" : pyStr(a[0])),
  },
  { name: "len", params: ["obj"], required: 1, fn: (a) => pyLen(a[0]) },
  { name: "str", params: ["object"], required: 0, fn: (a) => (a.length === 0 ? "" : pyStr(a[0])) },
  { name: "int", params: ["x"], required: 0, fn: (a) => (a.length === 0 ? 0 : pyInt(a[0])) },
  { name: "float", params: ["x"], required: 0, fn: (a) => (a.length === 0 ? 0 : pyFloat(a[0])) },
  { name: "bool", params: ["x"], required: 0, fn: (a) => truthy(a[0]) },
  { name: "abs", params: ["x"], required: 1, fn: (a) => pyAbs(a[0]) },
  { name: "round", params: ["number", "ndigits"], required: 1, fn: (a) => pyRound(a[0], a[1]) },
  { name: "min", params: [], required: 1, variadic: true, fn: (a) => extreme("min", a) },
  { name: "max", params: [], required: 1, variadic: true, fn: (a) => extreme("max", a) },
  { name: "sum", params: ["iterable", "start"], required: 1, fn: (a) => pySum(a[0], a[1]) },
  { name: "any", params: ["iterable"], required: 1, fn: (a) => pyIterate(a[0]).some(truthy) },
  { name: "all", params: ["iterable"], required: 1, fn: (a) => pyIterate(a[0]).every(truthy) },
  { name: "list", params: ["iterable"], required: 0, fn: (a) => (a.length === 0 ? [] : [...pyIterate(a[0])]) },
  // Frappe's translation marker; there is nothing to translate into here.
  { name: "_", params: ["msg"], required: 1, fn: (a) => pyStr(a[0]) },
];

export const HELPERS: ReadonlyMap<string, HelperDef> = new Map(defs.map((d) => [d.name, d]));

/** Names reachable as `utils.X` / `frappe.utils.X` (Frappe's module, not Python builtins). */
export const UTILS_NAMES: readonly string[] = [
  "nowdate",
  "today",
  "now",
  "now_datetime",
  "getdate",
  "add_days",
  "add_months",
  "date_diff",
  "flt",
  "cint",
  "cstr",
];

/** Applies positional and keyword arguments the way Python would, with Python's messages. */
export function callHelper(def: HelperDef, positional: unknown[], kwargs?: Record<string, unknown>): unknown {
  const kwNames = kwargs ? Object.keys(kwargs) : [];
  if (def.variadic) {
    if (kwNames.length > 0) throw new HelperError(`${def.name}() takes no keyword arguments`);
    if (positional.length < def.required) {
      throw new HelperError(`${def.name}() expected at least ${def.required} argument, got ${positional.length}`);
    }
    return def.fn(positional);
  }
  if (positional.length > def.params.length) {
    throw new HelperError(
      `${def.name}() takes at most ${def.params.length} argument${def.params.length === 1 ? "" : "s"} (${positional.length} given)`,
    );
  }
  const args = positional.slice();
  const given = new Set(positional.map((_, i) => i));
  for (const name of kwNames) {
    const index = def.params.indexOf(name);
    if (index < 0) throw new HelperError(`${def.name}() got an unexpected keyword argument '${name}'`);
    if (index < positional.length) throw new HelperError(`${def.name}() got multiple values for argument '${name}'`);
    while (args.length < index) args.push(undefined);
    args[index] = kwargs?.[name];
    given.add(index);
  }
  for (let i = 0; i < def.required; i++) {
    if (!given.has(i)) {
      throw new HelperError(`${def.name}() missing required argument: '${def.params[i] ?? `arg${i}`}'`);
    }
  }
  return def.fn(args);
}
