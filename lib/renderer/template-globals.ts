// Global names for templates: Jinja's range/cycler/joiner/dict plus Frappe's helpers, bare
// and under `utils` / `frappe.utils`. Every function is registered as callable; the objects
// are null-prototype so member lookups find only what is listed here.
import { HelperError, TemplateError } from "./errors";
import type { HelperDef } from "./helpers";
import { HELPERS, UTILS_NAMES, callHelper } from "./helpers";
import { MAX_RANGE, displayText, unwrap } from "./template-filters";
import type { NjFunction } from "./template-internals";
import { allowCall, guardValue, splitKeywordArgs, tickHard } from "./template-runtime";

function helperFunction(def: HelperDef): NjFunction {
  return allowCall(function (...args: unknown[]) {
    tickHard();
    args.forEach(guardValue);
    const { positional, kwargs } = splitKeywordArgs(args);
    try {
      return callHelper(def, positional.map(unwrap), kwargs);
    } catch (err) {
      if (err instanceof HelperError) throw new TemplateError(err.message);
      throw err;
    }
  });
}

function range(...args: unknown[]): number[] {
  const nums = args.map((a) => Number(unwrap(a)));
  if (nums.some((n) => !Number.isFinite(n))) throw new TemplateError("range() arguments must be numbers");
  const [start, stop, step] = nums.length >= 2 ? [nums[0] ?? 0, nums[1] ?? 0, nums[2] ?? 1] : [0, nums[0] ?? 0, 1];
  if (step === 0) throw new TemplateError("range() step must not be zero");
  const count = Math.max(0, Math.ceil((stop - start) / step));
  if (count > MAX_RANGE) throw new TemplateError(`range() is limited to ${MAX_RANGE} items (asked for ${count})`);
  return Array.from({ length: count }, (_, i) => start + i * step);
}

function cycler(...items: unknown[]): Record<string, unknown> {
  let index = -1;
  const obj = Object.create(null) as Record<string, unknown>;
  obj.current = null;
  obj.next = allowCall(() => {
    index = items.length === 0 ? -1 : (index + 1) % items.length;
    obj.current = items[index] ?? null;
    return obj.current;
  });
  obj.reset = allowCall(() => {
    index = -1;
    obj.current = null;
    return "";
  });
  return obj;
}

function joiner(sep?: unknown): NjFunction {
  let first = true;
  const text = sep === undefined ? ", " : displayText(sep);
  return allowCall(() => {
    const out = first ? "" : text;
    first = false;
    return out;
  });
}

function dict(...args: unknown[]): Record<string, unknown> {
  const { kwargs } = splitKeywordArgs(args);
  return Object.assign(Object.create(null) as Record<string, unknown>, kwargs ?? {});
}

/** Global names: Jinja's range/cycler/joiner/dict plus Frappe's helpers and namespaces. */
export function buildGlobals(): Record<string, unknown> {
  const globals = Object.create(null) as Record<string, unknown>;
  const helpers = new Map<string, NjFunction>();
  for (const [name, def] of HELPERS) {
    const fn = helperFunction(def);
    helpers.set(name, fn);
    globals[name] = fn;
  }
  const utils = Object.create(null) as Record<string, unknown>;
  for (const name of UTILS_NAMES) utils[name] = helpers.get(name);
  const frappe = Object.create(null) as Record<string, unknown>;
  frappe.utils = utils;
  globals.utils = utils;
  globals.frappe = frappe;
  globals.range = allowCall(range);
  globals.cycler = allowCall(cycler);
  globals.joiner = allowCall(joiner);
  globals.dict = allowCall(dict);
  return globals;
}
