// Jinja-compatible templates (nunjucks) for webhook bodies and dynamic URLs, sandboxed and
// bounded. Compiled templates are cached by source; each render runs the compiled root
// function with our guarded runtime (see template-runtime.ts) instead of nunjucks'
// Template.render, so the guards cannot be bypassed and nothing global is patched.
import { TemplateError } from "./errors";
import { LruCache } from "./lru";
import { compileAst } from "./template-compiler";
import { buildFilters } from "./template-filters";
import { buildGlobals } from "./template-globals";
import type { NjEnvironment, NjFunction, NjRenderFn } from "./template-internals";
import { isNjTemplateError, nj } from "./template-internals";
import type { RenderState } from "./template-runtime";
import { GuardedFrame, TemplateScope, guardedRuntime, toTemplateError, tooLarge, withRenderState } from "./template-runtime";
import { validateTemplateAst } from "./template-validate";

export interface RenderTemplateOptions {
  /** JSON mode: `{{ }}` output is escaped for the inside of a JSON string. */
  json?: boolean;
  /** Wall-clock budget for one render; default 200 ms (see setTemplateTimeout). */
  timeoutMs?: number;
  /** Largest output (characters); default 1 MiB. */
  maxOutput?: number;
}

const DEFAULT_TEMPLATE_TIMEOUT_MS = 200;
const DEFAULT_TEMPLATE_MAX_OUTPUT = 1024 * 1024;
const MAX_TEMPLATE_SOURCE = 256 * 1024;

let defaultTimeoutMs = DEFAULT_TEMPLATE_TIMEOUT_MS;

/**
 * The budget of renders that pass no `timeoutMs`. The render pool's workers set theirs
 * (WEBHOOK_RENDER_TIMEOUT_MS); on the calling thread it stays DEFAULT_TEMPLATE_TIMEOUT_MS.
 */
export function setTemplateTimeout(ms: number): void {
  defaultTimeoutMs = ms;
}

interface Compiled {
  root: NjRenderFn;
  blocks: Record<string, NjRenderFn>;
}

type Problem = { message: string; line?: number; column?: number };
type CacheEntry = { ok: true; compiled: Compiled } | ({ ok: false } & Problem);

function createEnvironment(): NjEnvironment {
  // No loaders: include/import/extends are refused at validation time anyway.
  const env = new nj.Environment([], { autoescape: false });
  const tests = Object.create(null) as Record<string, NjFunction>;
  for (const name of Object.keys(env.tests)) {
    const test = env.tests[name];
    if (test) tests[name] = test;
  }
  env.tests = tests;
  env.filters = buildFilters();
  env.globals = buildGlobals();
  return env;
}

const env = createEnvironment();
const cache = new LruCache<string, CacheEntry>(500);
const LEXER_OPTS = Object.freeze({});

const positive = (n: unknown): number | undefined => (typeof n === "number" && n > 0 ? n : undefined);

/** The problem of a template that does not compile; its line and column are 1-based (nunjucks' parser adds the 1). */
function syntaxMessage(err: unknown, src: string): Problem {
  let p: Problem;
  if (err instanceof TemplateError) p = { message: err.message, line: err.line, column: err.column };
  else if (isNjTemplateError(err)) {
    const cause = err.cause;
    const message = (cause instanceof Error ? cause.message : err.message).replace(/^\(.*?\)( \[Line \d+, Column \d+\])?\s*/, "");
    p = { message, line: positive(err.lineno), column: positive(err.colno) };
  } else p = { message: err instanceof Error ? err.message : String(err) };
  // A block left open ends the source: point at its last line, as Jinja does, not at line 1.
  if (p.line === undefined && /end of file/.test(p.message)) p.line = src.split("\n").length;
  if (p.line === undefined) delete p.line;
  if (p.column === undefined) delete p.column;
  return p;
}

function compileSource(src: string): CacheEntry {
  if (src.length > MAX_TEMPLATE_SOURCE) {
    return { ok: false, message: `template is longer than ${MAX_TEMPLATE_SOURCE} characters`, line: 1 };
  }
  try {
    const ast = nj.parser.parse(src, [], LEXER_OPTS);
    validateTemplateAst(ast, {
      hasFilter: (name) => Object.prototype.hasOwnProperty.call(env.filters, name),
      hasTest: (name) => Object.prototype.hasOwnProperty.call(env.tests, name),
    });
    const code = compileAst(ast);
    // nunjucks compiles to JS source and instantiates it this way itself; the validator
    // above guarantees only identifiers and escaped literals were pasted into `code`.
    const props = new Function(code)() as Record<string, unknown>;
    const root = props.root;
    if (typeof root !== "function") throw new TemplateError("template did not compile");
    const blocks = Object.create(null) as Record<string, NjRenderFn>;
    for (const key of Object.keys(props)) {
      const fn = props[key];
      if (key.startsWith("b_") && typeof fn === "function") blocks[key.slice(2)] = fn as NjRenderFn;
    }
    return { ok: true, compiled: { root: root as NjRenderFn, blocks } };
  } catch (err) {
    return { ok: false, ...syntaxMessage(err, src) };
  }
}

function getCompiled(src: string): CacheEntry {
  let entry = cache.get(src);
  if (entry === undefined) {
    entry = compileSource(src);
    cache.set(src, entry);
  }
  return entry;
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Renders a template. Throws TemplateError (with `.line` when known) for syntax errors,
 * runtime errors, sandbox violations, and when the time or output budget is exceeded.
 */
export function renderTemplate(src: string, context: Record<string, unknown>, opts: RenderTemplateOptions = {}): string {
  const entry = getCompiled(src);
  if (!entry.ok) throw new TemplateError(entry.message, entry.line, true, entry.column);
  const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs;
  const state: RenderState = {
    deadline: Date.now() + timeoutMs,
    timeoutMs,
    maxOutput: opts.maxOutput ?? DEFAULT_TEMPLATE_MAX_OUTPUT,
    json: opts.json === true,
    ops: 0,
    outLen: 0,
    depth: 0,
  };
  const { root, blocks } = entry.compiled;
  return withRenderState(state, () => {
    let result: string | undefined;
    let failure: unknown;
    let done = false;
    try {
      const frame = new GuardedFrame();
      frame.topLevel = true;
      root(env, new TemplateScope(env, context, blocks), frame, guardedRuntime, (err, res) => {
        if (done) return;
        done = true;
        failure = err;
        result = res;
      });
    } catch (err) {
      throw toTemplateError(err);
    }
    if (failure) throw toTemplateError(failure);
    if (typeof result !== "string") throw new TemplateError("template produced no output");
    if (result.length > state.maxOutput || (result.length * 3 > state.maxOutput && utf8Length(result) > state.maxOutput)) {
      throw tooLarge(state);
    }
    return result;
  });
}

/** Compile-only check: null when the template is valid, else its 1-based line (and column, when known) and message. */
export function checkTemplateSyntax(src: string): { line: number; column?: number; message: string } | null {
  const entry = getCompiled(src);
  if (entry.ok) return null;
  return { line: entry.line ?? 1, ...(entry.column !== undefined ? { column: entry.column } : {}), message: entry.message };
}

/** "Syntax error in template at line N: <message>", or null when the template compiles. */
export function templateSyntaxMessage(src: string): string | null {
  const problem = checkTemplateSyntax(src);
  return problem ? `Syntax error in template at line ${problem.line}: ${problem.message}` : null;
}
