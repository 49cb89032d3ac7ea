// Typed view of the parts of nunjucks we drive directly. @types/nunjucks only covers the
// public API; the sandbox needs the parser, compiler and runtime, which nunjucks exports
// from its CommonJS entry point (reached through `default` under Node's ESM loader).
import * as nunjucksNs from "nunjucks";

export interface NjNode {
  readonly typename: string;
  readonly fields: readonly string[];
  readonly lineno: number;
  readonly colno: number;
  readonly [field: string]: unknown;
}

export interface NjFrame {
  topLevel: boolean;
  set(name: string, value: unknown, resolveUp?: boolean): void;
  lookup(name: string): unknown;
  push(isolateWrites?: boolean): NjFrame;
}

type NjFrameCtor = new (parent?: NjFrame, isolateWrites?: boolean) => NjFrame;

export interface NjSafeString {
  readonly val: string;
  readonly length: number;
}

export type NjCallback = (err: unknown, result?: string) => void;

/** Compiled template functions: root(env, context, frame, runtime, cb). */
export type NjRenderFn = (env: unknown, context: unknown, frame: NjFrame, runtime: unknown, cb: NjCallback) => void;

export type NjFunction = (this: unknown, ...args: unknown[]) => unknown;

interface NjRuntime {
  Frame: NjFrameCtor;
  SafeString: new (val: string) => NjSafeString;
  markSafe(val: unknown): unknown;
  makeMacro(argNames: string[], kwargNames: string[], func: NjFunction): NjFunction;
  [name: string]: unknown;
}

export interface NjEnvironment {
  opts: { autoescape: boolean; throwOnUndefined: boolean };
  globals: Record<string, unknown>;
  filters: Record<string, NjFunction>;
  tests: Record<string, NjFunction>;
  getFilter(name: string): NjFunction;
  getTest(name: string): NjFunction;
}

export interface NjTemplateErrorLike extends Error {
  lineno?: number;
  colno?: number;
  cause?: unknown;
}

/** The code generator; the sandbox overrides a few compileX methods on its own instance. */
export interface NjCompilerInstance {
  compile(node: NjNode, frame?: unknown): void;
  getCode(): string;
  _emit(code: string): void;
  _compileExpression(node: NjNode, frame: unknown): void;
  compileFunCall: (this: NjCompilerInstance, node: NjNode, frame: unknown) => void;
  compileLookupVal: (this: NjCompilerInstance, node: NjNode, frame: unknown) => void;
  compileAdd: (this: NjCompilerInstance, node: NjNode, frame: unknown) => void;
  compileMul: (this: NjCompilerInstance, node: NjNode, frame: unknown) => void;
}

interface NjModule {
  Environment: new (loaders: unknown[], opts: { autoescape: boolean }) => NjEnvironment;
  parser: { parse(src: string, extensions: unknown[], opts: object): NjNode };
  compiler: {
    compile(src: string, asyncFilters: string[], extensions: unknown[], name: string, opts: object): string;
    Compiler: new (templateName: string, throwOnUndefined: boolean) => NjCompilerInstance;
  };
  runtime: NjRuntime;
  lib: { TemplateError: new (message: string, lineno?: number, colno?: number) => NjTemplateErrorLike };
}

function resolveModule(): NjModule {
  const ns = nunjucksNs as unknown as { default?: unknown; compiler?: unknown };
  const candidate = (ns.compiler ? ns : (ns.default ?? ns)) as Partial<NjModule>;
  if (!candidate.parser || !candidate.compiler || !candidate.runtime || !candidate.Environment || !candidate.lib) {
    throw new Error("nunjucks internals are unavailable (unexpected module shape)");
  }
  return candidate as NjModule;
}

export const nj: NjModule = resolveModule();

export function isNjTemplateError(err: unknown): err is NjTemplateErrorLike {
  return err instanceof nj.lib.TemplateError;
}
