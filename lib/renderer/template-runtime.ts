// The sandboxed runtime handed to compiled nunjucks templates. Compiled code reaches data
// only through runtime.memberLookup / contextOrFrameLookup, calls only through
// runtime.callWrap, and emits output through runtime.suppressValue; we pass our own
// runtime object to the template's root function (nunjucks' shared runtime module is never
// patched), so these guards apply to our renders only. Our compiler (template-compiler.ts)
// also routes method calls through runtime.methodLookup and `+`/`*` through pyAdd/pyMul.
// The same hooks enforce the time and size budget of the render in progress.
import { HelperError, TemplateError } from "./errors";
import { BoundMethod, lookupMethod } from "./methods";
import { pyContains, typeName } from "./python";
import { isBlockedName, isPlainObject } from "./sandbox";
import type { NjCallback, NjFrame, NjFunction, NjRenderFn, NjSafeString } from "./template-internals";
import { isNjTemplateError, nj } from "./template-internals";

export interface RenderState {
  readonly deadline: number;
  readonly timeoutMs: number;
  readonly maxOutput: number;
  readonly json: boolean;
  ops: number;
  outLen: number;
  depth: number;
}

/** Nested macro/function calls allowed; a self-recursive macro stops here. */
const MAX_CALL_DEPTH = 60;

/** The render in progress. Rendering is synchronous, so one slot (saved/restored) suffices. */
let active: RenderState | null = null;

export function withRenderState<T>(state: RenderState, fn: () => T): T {
  const previous = active;
  active = state;
  try {
    return fn();
  } finally {
    active = previous;
  }
}

function current(): RenderState {
  if (active === null) throw new TemplateError("template function used outside of a render");
  return active;
}

function tooSlow(s: RenderState): TemplateError {
  return new TemplateError(`The template took longer than ${s.timeoutMs} ms`);
}

export function tooLarge(s: RenderState): TemplateError {
  return new TemplateError(`Template output is too large (limit ${s.maxOutput} characters)`);
}

/** Cheap budget check for hot hooks: reads the clock every 256 operations. */
function tick(): RenderState {
  const s = current();
  if ((++s.ops & 255) === 0 && Date.now() > s.deadline) throw tooSlow(s);
  return s;
}

/** Budget check for potentially expensive steps (filters, helpers): always reads the clock. */
export function tickHard(): RenderState {
  const s = current();
  s.ops++;
  if (Date.now() > s.deadline) throw tooSlow(s);
  return s;
}

/** Strings kept in variables are capped too, so `s ~ s` doubling cannot build huge ropes. */
export function guardValue(value: unknown): void {
  if (typeof value === "string" && value.length > current().maxOutput) throw tooLarge(current());
}

/** For filters that can predict a result's length before building it. */
export function guardLength(length: number): void {
  const s = current();
  if (length > s.maxOutput) throw tooLarge(s);
}

/** Functions templates may call: our globals, filters' helpers, and macros built by the runtime. */
const callable = new WeakSet<object>();

export function allowCall<F extends NjFunction>(fn: F): F {
  callable.add(fn);
  return fn;
}

const SafeString = nj.runtime.SafeString;

export function isSafeString(value: unknown): value is NjSafeString {
  return value instanceof SafeString;
}

export function markSafe(text: string): NjSafeString {
  return new SafeString(text);
}

/**
 * JSON text of a value; functions and methods vanish, SafeStrings become their text. The
 * replacer doubles as a budget check: lists that share sub-lists (`[x, x]` built in a loop)
 * would otherwise expand exponentially inside one uninterruptible JSON.stringify call.
 */
export function safeJson(value: unknown, indent?: number): string {
  const s = current();
  let nodes = 0;
  const text = JSON.stringify(
    value === undefined ? null : value,
    (_key, v: unknown) => {
      if (++nodes > s.maxOutput) throw tooLarge(s);
      tick();
      if (typeof v === "function" || v instanceof BoundMethod) return undefined;
      if (isSafeString(v)) return v.val;
      // Host objects are opaque to templates; JSON must not reveal their fields either.
      if (typeof v === "object" && v !== null && !Array.isArray(v) && !isPlainObject(v)) return null;
      return v;
    },
    indent,
  );
  if (text !== undefined && text.length > s.maxOutput) throw tooLarge(s);
  return text === undefined ? "null" : text;
}

/** Escapes text for the inside of a JSON string literal. */
function jsonEscape(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/** Attribute/subscript access from templates (`a.b`, `a["b"]`, the `attr` filter). */
export function memberLookup(target: unknown, key: unknown): unknown {
  tick();
  if (target === null || target === undefined) return undefined;
  const obj = isSafeString(target) ? target.val : target;
  if (typeof key !== "string" && typeof key !== "number") return undefined;
  if (typeof key === "string" && isBlockedName(key)) {
    throw new TemplateError(`Access to '${key}' is not allowed in templates`);
  }
  const name = String(key);
  if (typeof obj === "string" || Array.isArray(obj)) {
    if (typeof key === "number" || /^-?\d+$/.test(name)) {
      const i = Number(key);
      const seq: ArrayLike<unknown> = obj;
      const j = i < 0 ? seq.length + i : i;
      if (!Number.isInteger(j) || j < 0 || j >= seq.length) return undefined;
      if (Array.isArray(seq)) {
        const desc = Object.getOwnPropertyDescriptor(seq, String(j));
        return desc && "value" in desc && typeof desc.value !== "function" ? (desc.value as unknown) : undefined;
      }
      return seq[j];
    }
    if (name === "length") return obj.length;
    return undefined;
  }
  if (isPlainObject(obj)) {
    // Data only: a missing field is undefined (printed empty, iterates nothing), never a
    // dict method, so `{{ doc.items }}` on a doc without items is not `dict.items`.
    const desc = Object.getOwnPropertyDescriptor(obj, name);
    if (desc && desc.enumerable && "value" in desc) {
      const value: unknown = desc.value;
      if (typeof value === "function") return callable.has(value) ? value : undefined;
      return value;
    }
  }
  return undefined;
}

/** The callee of `a.b(...)`: the data member when present, else a whitelisted method. */
function methodLookup(target: unknown, key: unknown): unknown {
  const member = memberLookup(target, key);
  if (member !== undefined || typeof key !== "string") return member;
  const obj = isSafeString(target) ? target.val : target;
  if (isPlainObject(obj) && Object.prototype.hasOwnProperty.call(obj, key)) return undefined;
  return lookupMethod(obj, key);
}

const isNum = (v: unknown): v is number | boolean => typeof v === "number" || typeof v === "boolean";

function plain(value: unknown): unknown {
  return isSafeString(value) ? value.val : value;
}

/** Jinja's `+`: numbers add, strings and lists concatenate, anything else is a TypeError. */
function pyAdd(left: unknown, right: unknown): unknown {
  tick();
  const a = plain(left);
  const b = plain(right);
  if (isNum(a) && isNum(b)) return Number(a) + Number(b);
  if (typeof a === "string" && typeof b === "string") {
    guardLength(a.length + b.length);
    return a + b;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    guardLength(a.length + b.length);
    return [...a, ...b];
  }
  if (typeof a === "string" || Array.isArray(a)) {
    throw new TemplateError(`can only concatenate ${typeName(a)} (not "${typeName(b)}") to ${typeName(a)}`);
  }
  throw new TemplateError(`unsupported operand type(s) for +: '${typeName(a)}' and '${typeName(b)}'`);
}

function repeat(seq: string | unknown[], times: unknown): unknown {
  if (typeof times !== "boolean" && !(typeof times === "number" && Number.isInteger(times))) {
    throw new TemplateError(`can't multiply sequence by non-int of type '${typeName(times)}'`);
  }
  const n = Math.max(0, Number(times));
  guardLength(seq.length * n);
  return typeof seq === "string" ? seq.repeat(n) : Array.from({ length: n }, () => seq).flat();
}

/** Jinja's `*`: numbers multiply, a string or list times an int repeats (within the output limit). */
function pyMul(left: unknown, right: unknown): unknown {
  tick();
  const a = plain(left);
  const b = plain(right);
  if (isNum(a) && isNum(b)) return Number(a) * Number(b);
  if (typeof a === "string" || Array.isArray(a)) return repeat(a, b);
  if (typeof b === "string" || Array.isArray(b)) return repeat(b, a);
  throw new TemplateError(`unsupported operand type(s) for *: '${typeName(a)}' and '${typeName(b)}'`);
}

function splitKeywordArgs(args: unknown[]): { positional: unknown[]; kwargs?: Record<string, unknown> } {
  const last = args[args.length - 1];
  if (isPlainObject(last) && Object.prototype.hasOwnProperty.call(last, "__keywords")) {
    const kwargs: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const k of Object.keys(last)) if (k !== "__keywords") kwargs[k] = last[k];
    return { positional: args.slice(0, -1), kwargs };
  }
  return { positional: args };
}

export { splitKeywordArgs };

function callWrap(fn: unknown, name: string, context: unknown, args: unknown[]): unknown {
  const s = tick();
  if (fn instanceof BoundMethod) {
    // Refuse before the method flattens a huge concatenation (`(a ~ a ~ ...).upper()`).
    guardValue(fn.receiver);
    args.forEach(guardValue);
    const { positional, kwargs } = splitKeywordArgs(args);
    if (kwargs && Object.keys(kwargs).length > 0) throw new TemplateError(`${fn.name}() takes no keyword arguments`);
    return fn.invoke(positional);
  }
  if (typeof fn !== "function" || !callable.has(fn)) {
    if (fn === undefined || fn === null) throw new TemplateError(`Unable to call '${name}', which is undefined`);
    throw new TemplateError(`'${name}' is not callable`);
  }
  if (++s.depth > MAX_CALL_DEPTH) {
    s.depth--;
    throw new TemplateError("Template recursion is too deep");
  }
  try {
    return (fn as NjFunction).apply(context, args);
  } finally {
    s.depth--;
  }
}

function contextOrFrameLookup(context: TemplateScope, frame: NjFrame, name: string): unknown {
  const value = frame.lookup(name);
  return value !== undefined ? value : context.lookup(name);
}

function suppressValue(value: unknown): string {
  const s = tick();
  let out: string;
  if (value === null || value === undefined) out = "";
  else if (isSafeString(value)) out = value.val;
  else if (typeof value === "string") {
    // Check before escaping: escaping would flatten an oversized concatenation first.
    if (value.length > s.maxOutput - s.outLen) throw tooLarge(s);
    out = s.json ? jsonEscape(value) : value;
  } else if (typeof value === "number") out = String(value);
  else if (typeof value === "boolean") out = value ? "true" : "false";
  else if (Array.isArray(value) || isPlainObject(value)) {
    // Lists/dicts print as JSON rather than "[object Object]"; inside a JSON body they are
    // still escaped like any string, so use `| tojson` to embed them as JSON values.
    const text = safeJson(value);
    out = s.json ? jsonEscape(text) : text;
  } else out = "";
  s.outLen += out.length;
  if (s.outLen > s.maxOutput) throw tooLarge(s);
  return out;
}

function inOperator(key: unknown, container: unknown): boolean {
  tick();
  try {
    return pyContains(isSafeString(container) ? container.val : container, isSafeString(key) ? key.val : key);
  } catch (err) {
    if (err instanceof HelperError) throw new TemplateError(`Cannot use "in" operator: ${err.message}`);
    throw err;
  }
}

function fromIterator(value: unknown): unknown {
  if (value === null || value === undefined || Array.isArray(value) || isPlainObject(value)) return value;
  if (typeof value === "string") return Array.from(value);
  if (isSafeString(value)) return Array.from(value.val);
  // Host objects, functions and numbers are not iterable from templates.
  return [];
}

function makeMacro(argNames: string[], kwargNames: string[], func: NjFunction): NjFunction {
  return allowCall(nj.runtime.makeMacro(argNames, kwargNames, func));
}

/** Converts anything thrown during a render into our TemplateError with a 1-based line. */
export function toTemplateError(err: unknown, lineno?: number): TemplateError {
  const line = lineno === undefined ? undefined : lineno + 1;
  if (err instanceof TemplateError) {
    if (err.line === undefined && line !== undefined) err.line = line;
    return err;
  }
  if (isNjTemplateError(err)) {
    const cause = err.cause;
    if (cause instanceof TemplateError) return toTemplateError(cause, lineno);
    const message = cause instanceof Error ? cause.message : err.message;
    const errLine = typeof err.lineno === "number" && err.lineno > 0 ? err.lineno : line;
    return new TemplateError(message, errLine);
  }
  if (err instanceof RangeError) {
    const tooBig = /string length/i.test(err.message);
    return new TemplateError(tooBig ? "Template output is too large" : "Template recursion is too deep", line);
  }
  return new TemplateError(err instanceof Error ? err.message : String(err), line);
}

function handleError(err: unknown, lineno: number): TemplateError {
  return toTemplateError(err, lineno);
}

const BaseFrame = nj.runtime.Frame;

/** Frames check the budget on every variable write, which includes every loop iteration. */
export class GuardedFrame extends BaseFrame {
  override set(name: string, value: unknown, resolveUp?: boolean): void {
    tick();
    guardValue(value);
    super.set(name, value, resolveUp);
  }

  override push(isolateWrites?: boolean): NjFrame {
    return new GuardedFrame(this, isolateWrites);
  }
}

/**
 * Replaces nunjucks' Context: variables live in a null-prototype object and lookups only
 * see own properties of it and of the globals, so `{{ constructor }}` finds nothing.
 */
export class TemplateScope {
  readonly ctx: Record<string, unknown>;
  private readonly blocks: Record<string, NjRenderFn[]> = Object.create(null) as Record<string, NjRenderFn[]>;
  private readonly exported: string[] = [];

  constructor(
    readonly env: { globals: Record<string, unknown> },
    vars: Record<string, unknown>,
    blocks: Record<string, NjRenderFn>,
  ) {
    this.ctx = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(vars)) this.ctx[key] = vars[key];
    for (const name of Object.keys(blocks)) {
      const block = blocks[name];
      if (block) this.addBlock(name, block);
    }
  }

  lookup(name: string): unknown {
    if (Object.prototype.hasOwnProperty.call(this.ctx, name)) return this.ctx[name];
    if (Object.prototype.hasOwnProperty.call(this.env.globals, name)) return this.env.globals[name];
    return undefined;
  }

  setVariable(name: string, value: unknown): void {
    guardValue(value);
    this.ctx[name] = value;
  }

  getVariables(): Record<string, unknown> {
    return this.ctx;
  }

  addBlock(name: string, block: NjRenderFn): this {
    (this.blocks[name] ??= []).push(block);
    return this;
  }

  getBlock(name: string): NjRenderFn {
    const block = this.blocks[name]?.[0];
    if (block === undefined) throw new TemplateError(`unknown block "${name}"`);
    return block;
  }

  getSuper(env: unknown, name: string, block: NjRenderFn, frame: NjFrame, runtime: unknown, cb: NjCallback): void {
    const list = this.blocks[name] ?? [];
    const next = list[list.indexOf(block) + 1];
    if (list.indexOf(block) < 0 || next === undefined) throw new TemplateError(`no super block available for "${name}"`);
    next(env, this, frame, runtime, cb);
  }

  addExport(name: string): void {
    this.exported.push(name);
  }

  getExported(): Record<string, unknown> {
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const name of this.exported) out[name] = this.ctx[name];
    return out;
  }
}

/** The runtime object passed to compiled templates in place of nunjucks' module. */
export const guardedRuntime: Readonly<Record<string, unknown>> = Object.freeze({
  ...nj.runtime,
  Frame: GuardedFrame,
  memberLookup,
  methodLookup,
  pyAdd,
  pyMul,
  callWrap,
  contextOrFrameLookup,
  suppressValue,
  inOperator,
  fromIterator,
  makeMacro,
  handleError,
});
