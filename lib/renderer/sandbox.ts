// The one place that decides what user-written expressions may read. Only own, enumerable
// data properties of plain objects and arrays are reachable: never prototypes, getters,
// functions found on data, or host objects. Conditions, templates and the Data mapping all
// go through here so the rules cannot drift apart.

/** Names that lead towards constructors, prototypes or interpreter internals. */
const BLOCKED_NAMES: ReadonlySet<string> = new Set([
  "constructor",
  "__proto__",
  "prototype",
  "__defineGetter__",
  "__defineSetter__",
  "__lookupGetter__",
  "__lookupSetter__",
  "caller",
  "callee",
  "arguments",
  "apply",
  "call",
  "bind",
  "valueOf",
  "toString",
  "toLocaleString",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "__class__",
  "__globals__",
  "__builtins__",
  "__dict__",
  "__subclasses__",
  "__mro__",
  "__base__",
  "__bases__",
  "__init__",
  "__import__",
  "__code__",
  "__func__",
  "__self__",
  "__module__",
  "__getattribute__",
  "__reduce__",
  "__reduce_ex__",
  "func_globals",
  "mro",
]);

export function isBlockedName(name: string): boolean {
  return BLOCKED_NAMES.has(name);
}

const objectProto = Object.prototype;

/** A JSON-like object: created by `{}`, JSON.parse or Object.create(null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === objectProto || proto === null;
}

/**
 * Reads an own enumerable data property. Returns undefined when the property is missing,
 * inherited, an accessor, or holds a function (functions on data are never exposed).
 */
export function getOwnData(obj: object, key: string): unknown {
  const desc = Object.getOwnPropertyDescriptor(obj, key);
  if (desc === undefined || !desc.enumerable || !("value" in desc)) return undefined;
  const value: unknown = desc.value;
  return typeof value === "function" ? undefined : value;
}

/**
 * Member access on data values. Arrays take integer indexes (negative counts from the end,
 * like Python); plain objects take string keys. Anything else yields undefined.
 */
export function getDataMember(target: unknown, key: string | number): unknown {
  if (target === null || target === undefined) return undefined;
  if (Array.isArray(target)) {
    const index = typeof key === "number" ? key : /^-?\d+$/.test(key) ? Number(key) : Number.NaN;
    if (!Number.isInteger(index)) return undefined;
    const i = index < 0 ? target.length + index : index;
    if (i < 0 || i >= target.length) return undefined;
    return getOwnData(target, String(i));
  }
  if (isPlainObject(target)) {
    const name = String(key);
    return getOwnData(target, name);
  }
  return undefined;
}

/**
 * Resolves a Data-mapping fieldname such as `customer` or `items.item_code`. A path step
 * that lands on an array maps over its rows, so `items.item_code` lists every row's code.
 * Missing values become null so the JSON body keeps the key.
 */
export function resolveFieldPath(doc: unknown, path: string): unknown {
  const parts = path.split(".").map((p) => p.trim());
  const walk = (value: unknown, index: number): unknown => {
    if (index >= parts.length) return value === undefined ? null : value;
    if (Array.isArray(value)) return value.map((row) => walk(row, index));
    const part = parts[index];
    if (part === undefined || part === "") return null;
    const next = getDataMember(value, part);
    return walk(next, index + 1);
  };
  return walk(doc, 0);
}
