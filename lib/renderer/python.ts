// Python value semantics over JSON-like JS values: None is null/undefined, lists are
// arrays, dicts are plain objects. Used by the condition evaluator and the shared helpers
// so `doc.total > 40000` or `str(doc.is_paid)` behave the way Frappe users expect.
import { HelperError } from "./errors";
import { isPlainObject } from "./sandbox";

/** Callable values reachable from expressions carry their Python-facing type name. */
export interface PyCallable {
  readonly pyType: string;
}

function isCallableValue(value: unknown): value is PyCallable {
  return typeof value === "object" && value !== null && "pyType" in value && !isPlainObject(value) && !Array.isArray(value);
}

export function typeName(value: unknown): string {
  if (value === null || value === undefined) return "NoneType";
  switch (typeof value) {
    case "boolean":
      return "bool";
    case "number":
      return Number.isInteger(value) ? "int" : "float";
    case "string":
      return "str";
    case "function":
      return "function";
    default:
      break;
  }
  if (Array.isArray(value)) return "list";
  if (isPlainObject(value)) return "dict";
  if (isCallableValue(value)) return value.pyType;
  return "object";
}

export function truthy(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  switch (typeof value) {
    case "boolean":
      return value;
    case "number":
      return value !== 0;
    case "string":
      return value.length > 0;
    default:
      break;
  }
  if (Array.isArray(value)) return value.length > 0;
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  return true;
}

function isNumeric(value: unknown): value is number | boolean {
  return typeof value === "number" || typeof value === "boolean";
}

/** Upper bound on elements visited by one equality or repr, so shared sub-lists can't explode. */
const MAX_VISITS = 100_000;

interface Visits {
  n: number;
}

function visit(counter: Visits, what: string): void {
  if (++counter.n > MAX_VISITS) throw new HelperError(`${what} is too expensive`);
}

function equals(a: unknown, b: unknown, depth: number, counter: Visits): boolean {
  visit(counter, "comparison");
  if (depth > 100) throw new HelperError("comparison is too deeply nested");
  const aNone = a === null || a === undefined;
  const bNone = b === null || b === undefined;
  if (aNone || bNone) return aNone && bNone;
  if (isNumeric(a) && isNumeric(b)) return Number(a) === Number(b);
  if (typeof a === "string" || typeof b === "string") return a === b;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    return a.every((item, i) => equals(item, b[i], depth + 1, counter));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && equals(a[k], b[k], depth + 1, counter));
  }
  return a === b;
}

export function pyEquals(a: unknown, b: unknown): boolean {
  return equals(a, b, 0, { n: 0 });
}

export type OrderOp = "<" | "<=" | ">" | ">=";

/** Three-way compare for ordering; throws Python's TypeError for mixed types. */
function pyOrder(op: OrderOp, a: unknown, b: unknown, depth: number): number {
  if (isNumeric(a) && isNumeric(b)) {
    const x = Number(a);
    const y = Number(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (depth > 100) throw new HelperError("comparison is too deeply nested");
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (!pyEquals(a[i], b[i])) return pyOrder(op, a[i], b[i], depth + 1);
    }
    return a.length - b.length;
  }
  throw new HelperError(`'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

export function pyCompare(op: OrderOp, a: unknown, b: unknown): boolean {
  const c = pyOrder(op, a, b, 0);
  switch (op) {
    case "<":
      return c < 0;
    case "<=":
      return c <= 0;
    case ">":
      return c > 0;
    case ">=":
      return c >= 0;
  }
}

/** Python's `x in container`. */
export function pyContains(container: unknown, item: unknown): boolean {
  if (typeof container === "string") {
    if (typeof item !== "string") {
      throw new HelperError(`'in <string>' requires string as left operand, not ${typeName(item)}`);
    }
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((el) => pyEquals(el, item));
  if (isPlainObject(container)) {
    if (typeof item !== "string" && typeof item !== "number") return false;
    return Object.prototype.hasOwnProperty.call(container, String(item));
  }
  throw new HelperError(`argument of type '${typeName(container)}' is not iterable`);
}

/** Elements a `for` (or list(), any(), ...) sees. */
export function pyIterate(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === "string") return Array.from(value);
  if (isPlainObject(value)) return Object.keys(value);
  throw new HelperError(`'${typeName(value)}' object is not iterable`);
}

function formatFloat(n: number): string {
  if (Number.isNaN(n)) return "nan";
  if (!Number.isFinite(n)) return n > 0 ? "inf" : "-inf";
  return String(n);
}

function repr(value: unknown, depth: number, counter: Visits): string {
  visit(counter, "converting a value to text");
  if (depth > 50) return "...";
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return formatFloat(value);
  if (typeof value === "string") {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    const body = value
      .replace(/\\/g, "\\\\")
      .replace(/\n/g, "\\n")
      .replace(/\r/g, "\\r")
      .replace(/\t/g, "\\t")
      .split(quote)
      .join(`\\${quote}`);
    return quote + body + quote;
  }
  if (Array.isArray(value)) return `[${value.map((v) => repr(v, depth + 1, counter)).join(", ")}]`;
  if (isPlainObject(value)) {
    const parts = Object.keys(value).map((k) => `${repr(k, depth + 1, counter)}: ${repr(value[k], depth + 1, counter)}`);
    return `{${parts.join(", ")}}`;
  }
  if (isCallableValue(value)) return `<${value.pyType}>`;
  return "<object>";
}

function pyRepr(value: unknown): string {
  return repr(value, 0, { n: 0 });
}

/** Python's str(): strings unchanged, everything else as its repr. */
export function pyStr(value: unknown): string {
  return typeof value === "string" ? value : pyRepr(value);
}
