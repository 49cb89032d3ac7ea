// Frappe-style webhook conditions: a Python expression over `doc`, evaluated by our own
// interpreter (no eval/Function/vm). Only the AST node kinds below exist, only whitelisted
// helpers and value methods can be called, and data is read through the sandbox module,
// so `doc.constructor.constructor(...)` just finds None.
import { ConditionError, ConditionSyntaxError, HelperError } from "./errors";
import type { HelperDef } from "./helpers";
import { HELPERS, MAX_STRING_LENGTH, UTILS_NAMES, callHelper } from "./helpers";
import { BoundMethod, lookupMethod } from "./methods";
import type { CompareOp, ConditionAst } from "./condition-parser";
import { parseCondition } from "./condition-parser";
import type { PyCallable } from "./python";
import { pyCompare, pyContains, pyEquals, pyIterate, truthy, typeName } from "./python";
import { LruCache } from "./lru";
import { getDataMember, getOwnData, isBlockedName, isPlainObject } from "./sandbox";
import type { Doc } from "./types";

export { parseCondition } from "./condition-parser";
export { ConditionError, ConditionSyntaxError } from "./errors";

/** Node evaluations allowed per condition; comprehensions over big child tables stop here. */
const MAX_STEPS = 200_000;

let maxSteps = MAX_STEPS;

/**
 * The step budget of every condition evaluated on this thread. The render pool's workers
 * scale it to their time budget; on the calling thread it stays MAX_STEPS.
 */
export function setConditionStepBudget(steps: number): void {
  maxSteps = steps;
}

const MAX_LIST_LENGTH = 100_000;

class Helper implements PyCallable {
  readonly pyType = "builtin_function_or_method";
  constructor(readonly def: HelperDef) {}
}

class Namespace implements PyCallable {
  readonly pyType = "module";
  constructor(
    readonly name: string,
    readonly members: ReadonlyMap<string, unknown>,
  ) {}
}

const helperValues = new Map<string, Helper>([...HELPERS].map(([name, def]) => [name, new Helper(def)]));
const utilsNs = new Namespace(
  "frappe.utils",
  new Map(
    UTILS_NAMES.flatMap((n) => {
      const h = helperValues.get(n);
      return h ? [[n, h] as const] : [];
    }),
  ),
);
const GLOBALS = new Map<string, unknown>([
  ...helperValues,
  ["utils", utilsNs],
  ["frappe", new Namespace("frappe", new Map([["utils", utilsNs]]))],
]);

interface State {
  steps: number;
  doc: Doc;
  locals: Map<string, unknown> | null;
}

const cache = new LruCache<string, ConditionAst>(500);

function parseCached(src: string): ConditionAst {
  let ast = cache.get(src);
  if (ast === undefined) {
    ast = parseCondition(src);
    cache.set(src, ast);
  }
  return ast;
}

function lookupName(name: string, state: State): unknown {
  if (state.locals?.has(name)) return state.locals.get(name);
  if (name === "doc") return state.doc;
  const g = GLOBALS.get(name);
  if (g !== undefined) return g;
  throw new ConditionError(`name '${name}' is not defined`);
}

/**
 * `obj.name` read as a value. Like frappe._dict, attribute access on a document reads its
 * data: a missing field (or any attribute of None) is None, never a dict/str method, so
 * `doc.items` on a doc without items is None rather than `dict.items`.
 */
function getAttr(obj: unknown, name: string): unknown {
  if (obj instanceof Namespace) {
    const member = obj.members.get(name);
    if (member === undefined) throw new ConditionError(`module '${obj.name}' has no attribute '${name}'`);
    return member;
  }
  if (obj === null || obj === undefined || isBlockedName(name)) return null;
  if (isPlainObject(obj)) return getOwnData(obj, name) ?? null;
  return null;
}

/** `obj.name(...)`: methods are reachable only as the callee of a call; a data key wins. */
function getCallee(obj: unknown, name: string): unknown {
  if (obj instanceof Namespace || obj === null || obj === undefined || isBlockedName(name)) return getAttr(obj, name);
  if (isPlainObject(obj) && Object.prototype.hasOwnProperty.call(obj, name)) return getAttr(obj, name);
  return lookupMethod(obj, name) ?? null;
}

function toIndex(key: unknown, what: string): number {
  if (typeof key === "boolean") return Number(key);
  if (typeof key === "number" && Number.isInteger(key)) return key;
  throw new ConditionError(`${what} indices must be integers or slices, not ${typeName(key)}`);
}

function getItem(obj: unknown, key: unknown): unknown {
  if (Array.isArray(obj)) return getDataMember(obj, toIndex(key, "list")) ?? null;
  if (typeof obj === "string") {
    const chars = Array.from(obj);
    const i = toIndex(key, "string");
    return chars[i < 0 ? chars.length + i : i] ?? null;
  }
  if (isPlainObject(obj)) {
    if (typeof key !== "string" && typeof key !== "number") return null;
    return getOwnData(obj, String(key)) ?? null;
  }
  throw new ConditionError(`'${typeName(obj)}' object is not subscriptable`);
}

function sliceBound(value: unknown, len: number, fallback: number): number {
  if (value === null || value === undefined) return fallback;
  const n = toIndex(value, "slice");
  const i = n < 0 ? n + len : n;
  return Math.max(0, Math.min(len, i));
}

function getSlice(obj: unknown, start: unknown, stop: unknown): unknown {
  const seq = typeof obj === "string" ? Array.from(obj) : Array.isArray(obj) ? obj : null;
  if (seq === null) throw new ConditionError(`'${typeName(obj)}' object is not subscriptable`);
  const s = sliceBound(start, seq.length, 0);
  const e = sliceBound(stop, seq.length, seq.length);
  const part = seq.slice(s, Math.max(s, e));
  return typeof obj === "string" ? part.join("") : part;
}

const isNum = (v: unknown): v is number | boolean => typeof v === "number" || typeof v === "boolean";

function unsupported(op: string, a: unknown, b: unknown): ConditionError {
  return new ConditionError(`unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

function repeat(seq: unknown, times: unknown): unknown {
  if (typeof times !== "boolean" && !(typeof times === "number" && Number.isInteger(times))) {
    throw new ConditionError(`can't multiply sequence by non-int of type '${typeName(times)}'`);
  }
  const n = Math.max(0, Number(times));
  if (typeof seq === "string") {
    if (seq.length * n > MAX_STRING_LENGTH) throw new ConditionError("string result is too large");
    return seq.repeat(n);
  }
  const list = seq as unknown[];
  if (list.length * n > MAX_LIST_LENGTH) throw new ConditionError("list result is too large");
  return Array.from({ length: n }, () => list).flat();
}

function arithmetic(op: string, a: unknown, b: unknown): unknown {
  if (op === "+") {
    if (isNum(a) && isNum(b)) return Number(a) + Number(b);
    if (typeof a === "string" && typeof b === "string") {
      if (a.length + b.length > MAX_STRING_LENGTH) throw new ConditionError("string result is too large");
      return a + b;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      if (a.length + b.length > MAX_LIST_LENGTH) throw new ConditionError("list result is too large");
      return [...a, ...b];
    }
    if (typeof a === "string" || Array.isArray(a)) {
      throw new ConditionError(`can only concatenate ${typeName(a)} (not "${typeName(b)}") to ${typeName(a)}`);
    }
    throw unsupported(op, a, b);
  }
  if (op === "*") {
    if (isNum(a) && isNum(b)) return Number(a) * Number(b);
    if (typeof a === "string" || Array.isArray(a)) return repeat(a, b);
    if (typeof b === "string" || Array.isArray(b)) return repeat(b, a);
    throw unsupported(op, a, b);
  }
  if (!isNum(a) || !isNum(b)) {
    if (op === "%" && typeof a === "string") throw new ConditionError("%-formatting of strings is not supported");
    throw unsupported(op, a, b);
  }
  const x = Number(a);
  const y = Number(b);
  switch (op) {
    case "-":
      return x - y;
    case "**":
      if (x === 0 && y < 0) throw new ConditionError("0.0 cannot be raised to a negative power");
      return x ** y;
    default:
      break;
  }
  if (y === 0) throw new ConditionError(op === "/" ? "division by zero" : "integer division or modulo by zero");
  if (op === "/") return x / y;
  if (op === "//") return Math.floor(x / y);
  // Python's modulo takes the sign of the divisor.
  return x - y * Math.floor(x / y);
}

function compare(op: CompareOp, a: unknown, b: unknown): boolean {
  switch (op) {
    case "==":
      return pyEquals(a, b);
    case "!=":
      return !pyEquals(a, b);
    case "in":
      return pyContains(b, a);
    case "not in":
      return !pyContains(b, a);
    case "is":
    case "is not": {
      const same = (a === null || a === undefined) && (b === null || b === undefined) ? true : a === b;
      return op === "is" ? same : !same;
    }
    default:
      return pyCompare(op, a, b);
  }
}

function call(callee: unknown, args: unknown[], kwargs: Record<string, unknown> | undefined): unknown {
  if (callee instanceof Helper) return callHelper(callee.def, args, kwargs);
  if (callee instanceof BoundMethod) {
    if (kwargs) throw new ConditionError(`${callee.name}() takes no keyword arguments`);
    return callee.invoke(args);
  }
  throw new ConditionError(`'${typeName(callee)}' object is not callable`);
}

function evalComprehension(node: Extract<ConditionAst, { kind: "comp" }>, state: State): unknown[] {
  const items = pyIterate(evaluate(node.iter, state));
  const outer = state.locals;
  const locals = new Map(outer ?? []);
  state.locals = locals;
  try {
    const out: unknown[] = [];
    for (const item of items) {
      if (node.targets.length === 1) locals.set(node.targets[0] ?? "_", item);
      else {
        const parts = pyIterate(item);
        if (parts.length !== node.targets.length) {
          throw new ConditionError(
            parts.length < node.targets.length
              ? `not enough values to unpack (expected ${node.targets.length}, got ${parts.length})`
              : `too many values to unpack (expected ${node.targets.length})`,
          );
        }
        node.targets.forEach((t, i) => locals.set(t, parts[i]));
      }
      if (node.conds.every((c) => truthy(evaluate(c, state)))) out.push(evaluate(node.element, state));
    }
    return out;
  } finally {
    state.locals = outer;
  }
}

function evaluate(node: ConditionAst, state: State): unknown {
  if (++state.steps > maxSteps) throw new ConditionError("condition is too expensive to evaluate");
  switch (node.kind) {
    case "literal":
      return node.value;
    case "name":
      return lookupName(node.name, state);
    case "list":
      return node.items.map((item) => evaluate(item, state));
    case "dict": {
      const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      node.keys.forEach((k, i) => {
        const key = evaluate(k, state);
        if (typeof key !== "string" && !isNum(key) && key !== null) {
          throw new ConditionError(`unhashable type: '${typeName(key)}'`);
        }
        const value = node.values[i];
        out[String(key)] = value === undefined ? null : evaluate(value, state);
      });
      return out;
    }
    case "attr":
      return getAttr(evaluate(node.object, state), node.name);
    case "index":
      return getItem(evaluate(node.object, state), evaluate(node.index, state));
    case "slice":
      return getSlice(
        evaluate(node.object, state),
        node.start ? evaluate(node.start, state) : null,
        node.stop ? evaluate(node.stop, state) : null,
      );
    case "call": {
      const callee =
        node.callee.kind === "attr" ? getCallee(evaluate(node.callee.object, state), node.callee.name) : evaluate(node.callee, state);
      const args = node.args.map((a) => evaluate(a, state));
      let kwargs: Record<string, unknown> | undefined;
      for (const kw of node.kwargs) {
        kwargs ??= Object.create(null) as Record<string, unknown>;
        kwargs[kw.name] = evaluate(kw.value, state);
      }
      return call(callee, args, kwargs);
    }
    case "unary": {
      const v = evaluate(node.operand, state);
      if (node.op === "not") return !truthy(v);
      if (!isNum(v)) throw new ConditionError(`bad operand type for unary ${node.op}: '${typeName(v)}'`);
      return node.op === "-" ? -Number(v) : Number(v);
    }
    case "binary":
      return arithmetic(node.op, evaluate(node.left, state), evaluate(node.right, state));
    case "bool": {
      // Like Python, `and`/`or` return one of their operands, not a bool.
      const left = evaluate(node.left, state);
      if (node.op === "and" ? !truthy(left) : truthy(left)) return left;
      return evaluate(node.right, state);
    }
    case "compare": {
      let left = evaluate(node.left, state);
      for (let i = 0; i < node.ops.length; i++) {
        const op = node.ops[i];
        const rightNode = node.rights[i];
        if (op === undefined || rightNode === undefined) break;
        const right = evaluate(rightNode, state);
        if (!compare(op, left, right)) return false;
        left = right;
      }
      return true;
    }
    case "ifexp":
      return truthy(evaluate(node.test, state)) ? evaluate(node.body, state) : evaluate(node.orelse, state);
    case "comp":
      return evalComprehension(node, state);
  }
}

function toConditionError(err: unknown): Error {
  if (err instanceof ConditionError || err instanceof ConditionSyntaxError) return err;
  if (err instanceof HelperError) return new ConditionError(err.message);
  if (err instanceof RangeError) return new ConditionError("condition is too complex to evaluate");
  return new ConditionError(err instanceof Error ? err.message : String(err));
}

/** Evaluates a condition expression and returns its Python value (None → null). */
export function evaluateExpression(src: string, doc: Doc): unknown {
  const ast = parseCached(src);
  try {
    const value = evaluate(ast, { steps: 0, doc, locals: null });
    return value === undefined ? null : value;
  } catch (err) {
    throw toConditionError(err);
  }
}

/** True when the webhook should fire. A blank condition always fires. */
export function evaluateCondition(src: string, doc: Doc): boolean {
  if (src.trim() === "") return true;
  return truthy(evaluateExpression(src, doc));
}

/** For form validation: the syntax error message, or null when the condition parses. */
export function conditionSyntaxMessage(src: string): string | null {
  if (src.trim() === "") return null;
  try {
    parseCached(src);
    return null;
  } catch (err) {
    if (err instanceof ConditionSyntaxError) return err.message;
    throw err;
  }
}
