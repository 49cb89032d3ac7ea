// Filters for templates. Everything here is our own code (no nunjucks builtin
// filter is exposed unreviewed): Jinja-style keyword arguments are bound by name, numeric
// widths are capped, attribute arguments go through the sandboxed memberLookup, and each
// call checks the render's clock and size budget.
import { TemplateError } from "./errors";
import { pyCompare, pyEquals, pyIterate, pyStr, truthy } from "./python";
import { isPlainObject } from "./sandbox";
import type { NjFunction } from "./template-internals";
import type { TemplateScope } from "./template-runtime";
import {
  guardLength,
  guardValue,
  isSafeString,
  markSafe,
  memberLookup,
  safeJson,
  splitKeywordArgs,
  tickHard,
  tooLarge,
} from "./template-runtime";

/** Largest range() and width-like numeric argument a template may ask for. */
export const MAX_RANGE = 10_000;
const MAX_WIDTH = 1_000;

type FilterImpl = (this: TemplateScope, value: unknown, args: unknown[]) => unknown;

export function unwrap(value: unknown): unknown {
  return isSafeString(value) ? value.val : value;
}

/** How a value reads as text in output (same rules as `{{ }}`, minus JSON escaping). */
export function displayText(value: unknown): string {
  const v = unwrap(value);
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (Array.isArray(v) || isPlainObject(v)) return safeJson(v);
  return "";
}

function keepSafe(input: unknown, output: string): unknown {
  return isSafeString(input) ? markSafe(output) : output;
}

function bounded(value: unknown, name: string, fallback: number, max = MAX_WIDTH): number {
  if (value === undefined || value === null) return fallback;
  const n = Math.trunc(Number(value));
  if (!Number.isFinite(n)) throw new TemplateError(`${name}: expected a number`);
  if (Math.abs(n) > max) throw new TemplateError(`${name}: value ${n} is larger than the limit of ${max}`);
  return n;
}

function seq(value: unknown, name: string): unknown[] {
  const v = unwrap(value);
  if (v === null || v === undefined) return [];
  try {
    return pyIterate(v);
  } catch {
    throw new TemplateError(`${name}: expected a list, got ${typeof v}`);
  }
}

function attrOf(item: unknown, path: unknown): unknown {
  if (path === undefined || path === null) return item;
  let cur = item;
  for (const part of String(path).split(".")) cur = memberLookup(cur, /^\d+$/.test(part) ? Number(part) : part);
  return cur;
}

function bindArgs(name: string, params: readonly string[], positional: unknown[], kwargs?: Record<string, unknown>): unknown[] {
  if (positional.length > params.length) throw new TemplateError(`${name}: too many arguments`);
  const args = positional.map(unwrap);
  for (const key of Object.keys(kwargs ?? {})) {
    const i = params.indexOf(key);
    if (i < 0) throw new TemplateError(`${name}: unexpected keyword argument '${key}'`);
    args[i] = unwrap(kwargs?.[key]);
  }
  return args;
}

function filter(name: string, params: readonly string[], impl: FilterImpl): NjFunction {
  return function (this: unknown, value: unknown, ...rest: unknown[]) {
    const s = tickHard();
    guardValue(value);
    rest.forEach(guardValue);
    const { positional, kwargs } = splitKeywordArgs(rest);
    const result = impl.call(this as TemplateScope, value, bindArgs(name, params, positional, kwargs));
    const text = isSafeString(result) ? result.val : result;
    if (typeof text === "string" && text.length > s.maxOutput) throw tooLarge(s);
    return result;
  };
}

function sortKey(caseSensitive: boolean, attribute: unknown) {
  return (item: unknown): unknown => {
    const v = unwrap(attrOf(item, attribute));
    return !caseSensitive && typeof v === "string" ? v.toLowerCase() : v;
  };
}

function sorted(items: unknown[], key: (v: unknown) => unknown, reverse: boolean): unknown[] {
  const keyed = items.map((item) => ({ item, k: key(item) }));
  try {
    keyed.sort((a, b) => (pyCompare("<", a.k, b.k) ? -1 : pyCompare("<", b.k, a.k) ? 1 : 0));
  } catch (err) {
    throw new TemplateError(`sort: ${err instanceof Error ? err.message : String(err)}`);
  }
  const out = keyed.map((e) => e.item);
  return reverse ? out.reverse() : out;
}

function runTest(scope: TemplateScope, name: unknown, value: unknown, args: unknown[]): boolean {
  const test = (scope.env as unknown as { getTest(n: string): NjFunction }).getTest(String(name ?? "truthy"));
  return Boolean(test.call(scope, value, ...args));
}

/** Removes tags and comments in one linear pass (regexes here backtrack on unclosed "<"). */
function stripTags(s: string): string {
  let out = "";
  let keep = 0;
  let i = 0;
  for (;;) {
    const lt = s.indexOf("<", i);
    if (lt < 0) break;
    const isComment = s.startsWith("<!--", lt);
    const c = s.charCodeAt(lt + 1) | 0x20;
    // A tag starts with a letter, "/", "!" or "?"; anything else is a literal "<".
    if (!isComment && !(c >= 0x61 && c <= 0x7a) && !"/!?".includes(s.charAt(lt + 1))) {
      i = lt + 1;
      continue;
    }
    const close = isComment ? s.indexOf("-->", lt + 4) : s.indexOf(">", lt + 1);
    if (close < 0) break;
    out += s.slice(keep, lt);
    keep = i = close + (isComment ? 3 : 1);
  }
  return out + s.slice(keep);
}

function htmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&#34;").replace(/'/g, "&#39;");
}

function roundFilter(value: unknown, precision: unknown, method: unknown): number {
  const n = Number(unwrap(value));
  const factor = 10 ** bounded(precision, "round", 0, 15);
  const scaled = n * factor;
  if (method === "ceil") return Math.ceil(scaled) / factor;
  if (method === "floor") return Math.floor(scaled) / factor;
  // Jinja's "common" rounding: half away from zero.
  return (Math.sign(scaled) * Math.round(Math.abs(scaled))) / factor;
}

function toNumber(value: unknown, fallback: number, integer: boolean): number {
  const v = unwrap(value);
  const n =
    typeof v === "boolean"
      ? Number(v)
      : typeof v === "number"
        ? v
        : typeof v === "string" && v.trim() !== ""
          ? Number(v.trim())
          : Number.NaN;
  if (!Number.isFinite(n)) return fallback;
  return integer ? Math.trunc(n) : n;
}

const FILTERS: Record<string, NjFunction> = {
  tojson: filter("tojson", ["indent"], (v, [indent]) => markSafe(safeJson(v, bounded(indent, "tojson", 0, 10) || undefined))),
  dump: filter("dump", ["indent"], (v, [indent]) => safeJson(v, bounded(indent, "dump", 0, 10) || undefined)),
  safe: filter("safe", [], (v) => markSafe(displayText(v))),
  string: filter("string", [], (v) => keepSafe(v, v === undefined ? "" : pyStr(unwrap(v)))),
  default: filter("default", ["default_value", "boolean"], (v, [def, bool]) =>
    v === undefined || v === null || (truthy(bool) && !truthy(unwrap(v))) ? (def ?? "") : v,
  ),
  length: filter("length", [], (v) => {
    const u = unwrap(v);
    if (typeof u === "string") return Array.from(u).length;
    if (Array.isArray(u)) return u.length;
    return isPlainObject(u) ? Object.keys(u).length : 0;
  }),
  upper: filter("upper", [], (v) => keepSafe(v, displayText(v).toUpperCase())),
  lower: filter("lower", [], (v) => keepSafe(v, displayText(v).toLowerCase())),
  capitalize: filter("capitalize", [], (v) => {
    const s = displayText(v);
    return keepSafe(v, s.charAt(0).toUpperCase() + s.slice(1).toLowerCase());
  }),
  title: filter("title", [], (v) =>
    keepSafe(
      v,
      displayText(v)
        .toLowerCase()
        .replace(/(^|[^\p{L}\p{N}'])(\p{L})/gu, (_m, p: string, c: string) => p + c.toUpperCase()),
    ),
  ),
  trim: filter("trim", ["chars"], (v, [chars]) => {
    const s = displayText(v);
    if (chars === undefined || chars === null) return keepSafe(v, s.trim());
    const set = new Set(Array.from(String(chars)));
    const cps = Array.from(s);
    let a = 0;
    let b = cps.length;
    while (a < b && set.has(cps[a] ?? "")) a++;
    while (b > a && set.has(cps[b - 1] ?? "")) b--;
    return keepSafe(v, cps.slice(a, b).join(""));
  }),
  replace: filter("replace", ["old", "new", "count"], (v, [old, repl, count]) => {
    const s = displayText(v);
    const from = displayText(old);
    const to = displayText(repl);
    const limit = count === undefined || count === null ? Infinity : Math.max(0, Math.trunc(Number(count)));
    if (from === "") return keepSafe(v, s);
    let out = "";
    let rest = s;
    let n = 0;
    let i: number;
    while (n < limit && (i = rest.indexOf(from)) >= 0) {
      out += rest.slice(0, i) + to;
      rest = rest.slice(i + from.length);
      n++;
      guardLength(out.length);
    }
    return keepSafe(v, out + rest);
  }),
  round: filter("round", ["precision", "method"], (v, [p, m]) => roundFilter(v, p, m)),
  int: filter("int", ["default"], (v, [def]) => toNumber(v, def === undefined ? 0 : Number(def), true)),
  float: filter("float", ["default"], (v, [def]) => toNumber(v, def === undefined ? 0 : Number(def), false)),
  abs: filter("abs", [], (v) => Math.abs(Number(unwrap(v)))),
  join: filter("join", ["d", "attribute"], (v, [d, attribute]) => {
    const parts = seq(v, "join").map((item) => displayText(attrOf(item, attribute)));
    const sep = displayText(d);
    const total = parts.reduce((n, p) => n + p.length, 0) + sep.length * Math.max(0, parts.length - 1);
    guardLength(total);
    return parts.join(sep);
  }),
  first: filter("first", [], (v) => seq(v, "first")[0]),
  last: filter("last", [], (v) => seq(v, "last").at(-1)),
  list: filter("list", [], (v) => [...seq(v, "list")]),
  reverse: filter("reverse", [], (v) => {
    const u = unwrap(v);
    return typeof u === "string" ? Array.from(u).reverse().join("") : [...seq(u, "reverse")].reverse();
  }),
  sum: filter("sum", ["attribute", "start"], (v, [attribute, start]) =>
    seq(v, "sum").reduce((acc: number, item) => acc + Number(unwrap(attrOf(item, attribute)) ?? 0), Number(start ?? 0)),
  ),
  min: filter(
    "min",
    ["case_sensitive", "attribute"],
    (v, [cs, attribute]) => sorted(seq(v, "min"), sortKey(truthy(cs), attribute), false)[0],
  ),
  max: filter(
    "max",
    ["case_sensitive", "attribute"],
    (v, [cs, attribute]) => sorted(seq(v, "max"), sortKey(truthy(cs), attribute), true)[0],
  ),
  sort: filter("sort", ["reverse", "case_sensitive", "attribute"], (v, [rev, cs, attribute]) =>
    sorted(seq(v, "sort"), sortKey(truthy(cs), attribute), truthy(rev)),
  ),
  unique: filter("unique", ["case_sensitive", "attribute"], (v, [cs, attribute]) => {
    const key = sortKey(truthy(cs), attribute);
    const seen: unknown[] = [];
    return seq(v, "unique").filter((item) => {
      const k = key(item);
      if (seen.some((s) => pyEquals(s, k))) return false;
      seen.push(k);
      return true;
    });
  }),
  groupby: filter("groupby", ["attribute", "default"], (v, [attribute, def]) => {
    const groups: { grouper: unknown; list: unknown[] }[] = [];
    for (const item of seq(v, "groupby")) {
      const k = attrOf(item, attribute) ?? def ?? null;
      const g = groups.find((x) => pyEquals(x.grouper, k));
      if (g) g.list.push(item);
      else groups.push({ grouper: k, list: [item] });
    }
    return sorted(groups, (g) => (g as { grouper: unknown }).grouper, false);
  }),
  map: filter("map", ["filter_or_attribute", "attribute", "default"], function (v, [name, attribute, def]) {
    const items = seq(v, "map");
    if (attribute !== undefined && attribute !== null) return items.map((i) => attrOf(i, attribute) ?? def ?? null);
    const f = (this.env as unknown as { getFilter(n: string): NjFunction }).getFilter(String(name));
    return items.map((i) => f.call(this, i));
  }),
  select: filter("select", ["test", "arg"], function (v, [test, arg]) {
    return seq(v, "select").filter((i) => runTest(this, test, i, arg === undefined ? [] : [arg]));
  }),
  reject: filter("reject", ["test", "arg"], function (v, [test, arg]) {
    return seq(v, "reject").filter((i) => !runTest(this, test, i, arg === undefined ? [] : [arg]));
  }),
  selectattr: filter("selectattr", ["attribute", "test", "arg"], function (v, [attribute, test, arg]) {
    return seq(v, "selectattr").filter((i) => {
      const a = attrOf(i, attribute);
      return test === undefined ? truthy(unwrap(a)) : runTest(this, test, a, arg === undefined ? [] : [arg]);
    });
  }),
  rejectattr: filter("rejectattr", ["attribute", "test", "arg"], function (v, [attribute, test, arg]) {
    return seq(v, "rejectattr").filter((i) => {
      const a = attrOf(i, attribute);
      return !(test === undefined ? truthy(unwrap(a)) : runTest(this, test, a, arg === undefined ? [] : [arg]));
    });
  }),
  attr: filter("attr", ["name"], (v, [name]) => memberLookup(v, name)),
  items: filter("items", [], (v) => {
    const u = unwrap(v);
    return isPlainObject(u) ? Object.keys(u).map((k) => [k, memberLookup(u, k)]) : [];
  }),
  dictsort: filter("dictsort", ["case_sensitive", "by", "reverse"], (v, [cs, by, rev]) => {
    const u = unwrap(v);
    if (!isPlainObject(u)) throw new TemplateError("dictsort: expected a dict");
    const index = by === "value" ? 1 : 0;
    const pairs = Object.keys(u).map((k) => [k, memberLookup(u, k)]);
    return sorted(pairs, (p) => sortKey(truthy(cs), undefined)((p as unknown[])[index]), truthy(rev));
  }),
  batch: filter("batch", ["linecount", "fill_with"], (v, [count, fill]) => {
    const n = Math.max(1, bounded(count, "batch", 1, MAX_RANGE));
    const items = seq(v, "batch");
    const out: unknown[][] = [];
    for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
    const lastRow = out.at(-1);
    if (lastRow && fill !== undefined) while (lastRow.length < n) lastRow.push(fill);
    return out;
  }),
  slice: filter("slice", ["slices", "fill_with"], (v, [count, fill]) => {
    const n = Math.max(1, bounded(count, "slice", 1, MAX_RANGE));
    const items = seq(v, "slice");
    const per = Math.floor(items.length / n);
    const extra = items.length % n;
    const out: unknown[][] = [];
    let offset = 0;
    for (let i = 0; i < n; i++) {
      const size = per + (i < extra ? 1 : 0);
      const part = items.slice(offset, offset + size);
      offset += size;
      if (fill !== undefined && extra > 0 && i >= extra) part.push(fill);
      out.push(part);
    }
    return out;
  }),
  truncate: filter("truncate", ["length", "killwords", "end", "leeway"], (v, [len, kill, end, leeway]) => {
    const s = displayText(v);
    const n = bounded(len, "truncate", 255, Number.MAX_SAFE_INTEGER);
    const tail = end === undefined || end === null ? "..." : displayText(end);
    if (s.length <= n + bounded(leeway, "truncate", 5)) return keepSafe(v, s);
    if (truthy(kill)) return keepSafe(v, s.slice(0, Math.max(0, n - tail.length)) + tail);
    const cut = s.slice(0, Math.max(0, n - tail.length));
    const space = cut.lastIndexOf(" ");
    return keepSafe(v, (space > 0 ? cut.slice(0, space) : cut) + tail);
  }),
  wordcount: filter("wordcount", [], (v) => (displayText(v).match(/\S+/g) ?? []).length),
  escape: filter("escape", [], (v) => htmlEscape(displayText(v))),
  striptags: filter("striptags", [], (v) => stripTags(displayText(v)).replace(/\s+/g, " ").trim()),
  nl2br: filter("nl2br", [], (v) => keepSafe(v, displayText(v).replace(/\r\n|\n/g, "<br />\n"))),
  urlencode: filter("urlencode", [], (v) => {
    const u = unwrap(v);
    if (isPlainObject(u)) {
      return Object.keys(u)
        .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(displayText(memberLookup(u, k)))}`)
        .join("&");
    }
    return encodeURIComponent(displayText(u));
  }),
  indent: filter("indent", ["width", "first", "blank"], (v, [width, first, blank]) => {
    const pad = " ".repeat(Math.max(0, bounded(width, "indent", 4)));
    const lines = displayText(v).split("\n");
    return lines.map((l, i) => ((i > 0 || truthy(first)) && (truthy(blank) || l.trim() !== "") ? pad + l : l)).join("\n");
  }),
  center: filter("center", ["width"], (v, [width]) => {
    const s = displayText(v);
    const w = bounded(width, "center", 80);
    if (s.length >= w) return s;
    const left = Math.floor((w - s.length) / 2);
    return " ".repeat(left) + s + " ".repeat(w - s.length - left);
  }),
  random: filter("random", [], (v) => {
    const items = seq(v, "random");
    return items[Math.floor(Math.random() * items.length)];
  }),
};

/** Filter table with Jinja's aliases. */
export function buildFilters(): Record<string, NjFunction> {
  const table = Object.assign(Object.create(null) as Record<string, NjFunction>, FILTERS);
  const alias = (name: string, target: string) => {
    const f = FILTERS[target];
    if (f) table[name] = f;
  };
  alias("json", "tojson");
  alias("d", "default");
  alias("count", "length");
  alias("e", "escape");
  alias("forceescape", "escape");
  return table;
}
