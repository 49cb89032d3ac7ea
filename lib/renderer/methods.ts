// Python-style methods on data values (`doc.status.lower()`, `doc.get("x", 0)`). A method
// lookup returns a BoundMethod object, not a JS function, so nothing taken from a document
// can ever be invoked: only these implementations run.
import { HelperError } from "./errors";
import { MAX_STRING_LENGTH } from "./helpers";
import type { PyCallable } from "./python";
import { pyEquals, pyIterate, pyStr, typeName } from "./python";
import { getOwnData, isPlainObject } from "./sandbox";

type MethodImpl = (receiver: never, args: unknown[]) => unknown;

export class BoundMethod implements PyCallable {
  readonly pyType = "builtin_function_or_method";
  constructor(
    readonly receiver: unknown,
    readonly name: string,
    private readonly impl: (receiver: unknown, args: unknown[]) => unknown,
  ) {}

  invoke(args: unknown[]): unknown {
    const result = this.impl(this.receiver, args);
    if (typeof result === "string" && result.length > MAX_STRING_LENGTH) {
      throw new HelperError(`${this.name}(): result is too large`);
    }
    return result;
  }
}

function str(value: unknown, method: string): string {
  if (typeof value !== "string") {
    throw new HelperError(`${method}() argument must be str, not ${typeName(value)}`);
  }
  return value;
}

function optionalChars(value: unknown, method: string): string | undefined {
  return value === undefined || value === null ? undefined : str(value, method);
}

function stripChars(s: string, chars: string | undefined, left: boolean, right: boolean): string {
  if (chars === undefined) {
    let out = s;
    if (left) out = out.replace(/^\s+/, "");
    if (right) out = out.replace(/\s+$/, "");
    return out;
  }
  const set = new Set(Array.from(chars));
  const cps = Array.from(s);
  let start = 0;
  let end = cps.length;
  while (left && start < end && set.has(cps[start] ?? "")) start++;
  while (right && end > start && set.has(cps[end - 1] ?? "")) end--;
  return cps.slice(start, end).join("");
}

/** startswith/endswith accept a string or a tuple of strings. */
function affixes(value: unknown, method: string): string[] {
  if (Array.isArray(value)) return value.map((v) => str(v, method));
  return [str(value, method)];
}

function split(s: string, sep: unknown, maxsplit: unknown): string[] {
  const limit = typeof maxsplit === "number" && maxsplit >= 0 ? maxsplit : Infinity;
  if (sep === undefined || sep === null) {
    const words = s
      .trim()
      .split(/\s+/)
      .filter((w) => w !== "");
    if (limit >= words.length) return words;
    // Python keeps the remainder (with its inner whitespace) as the last item.
    const out: string[] = [];
    let rest = s.replace(/^\s+/, "");
    for (let i = 0; i < limit; i++) {
      const m = /\s+/.exec(rest);
      if (!m) break;
      out.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    out.push(rest);
    return out;
  }
  const separator = str(sep, "split");
  if (separator === "") throw new HelperError("empty separator");
  const parts = s.split(separator);
  if (limit >= parts.length - 1) return parts;
  return [...parts.slice(0, limit), parts.slice(limit).join(separator)];
}

const STRING_METHODS: Record<string, MethodImpl> = {
  lower: (s: string) => s.toLowerCase(),
  upper: (s: string) => s.toUpperCase(),
  strip: (s: string, a) => stripChars(s, optionalChars(a[0], "strip"), true, true),
  lstrip: (s: string, a) => stripChars(s, optionalChars(a[0], "lstrip"), true, false),
  rstrip: (s: string, a) => stripChars(s, optionalChars(a[0], "rstrip"), false, true),
  startswith: (s: string, a) => affixes(a[0], "startswith").some((p) => s.startsWith(p)),
  endswith: (s: string, a) => affixes(a[0], "endswith").some((p) => s.endsWith(p)),
  title: (s: string) => s.toLowerCase().replace(/(^|[^\p{L}\p{N}'])(\p{L})/gu, (_m, pre: string, c: string) => pre + c.toUpperCase()),
  capitalize: (s: string) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(),
  split: (s: string, a) => split(s, a[0], a[1]),
  replace: (s: string, a) => {
    const old = str(a[0], "replace");
    const repl = str(a[1], "replace");
    const count = typeof a[2] === "number" && a[2] >= 0 ? a[2] : Infinity;
    if (old === "" && count === Infinity) {
      if ((s.length + 1) * (repl.length + 1) > MAX_STRING_LENGTH) throw new HelperError("replace(): result is too large");
      return (
        Array.from(s)
          .map((c) => repl + c)
          .join("") + repl
      );
    }
    let out = "";
    let rest = s;
    let n = 0;
    let i: number;
    while (n < count && old !== "" && (i = rest.indexOf(old)) >= 0) {
      out += rest.slice(0, i) + repl;
      rest = rest.slice(i + old.length);
      n++;
      if (out.length > MAX_STRING_LENGTH) throw new HelperError("replace(): result is too large");
    }
    return out + rest;
  },
  find: (s: string, a) => s.indexOf(str(a[0], "find")),
  count: (s: string, a) => {
    const sub = str(a[0], "count");
    return sub === "" ? Array.from(s).length + 1 : s.split(sub).length - 1;
  },
  join: (s: string, a) => {
    const parts = pyIterate(a[0]).map((v) => str(v, "join"));
    const total = parts.reduce((n, p) => n + p.length, 0) + s.length * Math.max(0, parts.length - 1);
    if (total > MAX_STRING_LENGTH) throw new HelperError("join(): result is too large");
    return parts.join(s);
  },
  isdigit: (s: string) => /^\d+$/.test(s),
  isalpha: (s: string) => /^\p{L}+$/u.test(s),
  isnumeric: (s: string) => /^\p{N}+$/u.test(s),
  format: () => {
    throw new HelperError("str.format() is not supported; use + or a template");
  },
};

const DICT_METHODS: Record<string, MethodImpl> = {
  get: (d: Record<string, unknown>, a) => {
    const key = a[0];
    if (typeof key !== "string" && typeof key !== "number") return a[1] ?? null;
    const k = String(key);
    if (!Object.prototype.hasOwnProperty.call(d, k)) return a[1] ?? null;
    const v = getOwnData(d, k);
    return v === undefined ? null : v;
  },
  keys: (d: Record<string, unknown>) => Object.keys(d),
  values: (d: Record<string, unknown>) => Object.keys(d).map((k) => getOwnData(d, k) ?? null),
  items: (d: Record<string, unknown>) => Object.keys(d).map((k) => [k, getOwnData(d, k) ?? null]),
};

const LIST_METHODS: Record<string, MethodImpl> = {
  index: (l: unknown[], a) => {
    const i = l.findIndex((v) => pyEquals(v, a[0]));
    if (i < 0) throw new HelperError(`${pyStr(a[0])} is not in list`);
    return i;
  },
  count: (l: unknown[], a) => l.filter((v) => pyEquals(v, a[0])).length,
};

function pick(table: Record<string, MethodImpl>, name: string): MethodImpl | undefined {
  return Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
}

/** The method `name` of `receiver`, or undefined when the value has no such method. */
export function lookupMethod(receiver: unknown, name: string): BoundMethod | undefined {
  let impl: MethodImpl | undefined;
  if (typeof receiver === "string") impl = pick(STRING_METHODS, name);
  else if (Array.isArray(receiver)) impl = pick(LIST_METHODS, name);
  else if (isPlainObject(receiver)) impl = pick(DICT_METHODS, name);
  if (impl === undefined) return undefined;
  return new BoundMethod(receiver, name, impl as (receiver: unknown, args: unknown[]) => unknown);
}
