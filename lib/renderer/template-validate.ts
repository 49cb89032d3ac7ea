// Checks a parsed nunjucks AST before it is compiled to JavaScript. The nunjucks compiler
// pastes some names into generated code without escaping (symbols, `is` test names, macro
// argument names, set/for targets, block names, called-name labels), so a crafted
// template could smuggle JavaScript through them; we only let plain identifiers reach
// those spots. Loader-backed tags and extensions are refused outright: templates here are
// standalone strings.
import { TemplateError } from "./errors";
import type { NjNode } from "./template-internals";

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DOTTED_IDENT = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
/** Characters that would end or corrupt a double-quoted JS string literal. */
const UNSAFE_IN_JS_STRING = /["\\\n\r\u2028\u2029]/;

const REFUSED: Record<string, string> = {
  Include: "{% include %} is not supported",
  Import: "{% import %} is not supported",
  FromImport: "{% from ... import %} is not supported",
  Extends: "{% extends %} is not supported",
  CallExtension: "template extensions are not supported",
  CallExtensionAsync: "template extensions are not supported",
  AsyncEach: "asyncEach is not supported",
  AsyncAll: "asyncAll is not supported",
  IfAsync: "ifAsync is not supported",
  FilterAsync: "async filters are not supported",
};

export interface ValidateOptions {
  hasFilter(name: string): boolean;
  hasTest(name: string): boolean;
}

function isNode(value: unknown): value is NjNode {
  return typeof value === "object" && value !== null && typeof (value as { typename?: unknown }).typename === "string";
}

function fail(node: NjNode, message: string): never {
  throw new TemplateError(message, node.lineno + 1, true, node.colno + 1);
}

function children(node: NjNode): NjNode[] {
  const list = node.children;
  return Array.isArray(list) ? list.filter(isNode) : [];
}

function requireSymbol(node: unknown, owner: NjNode, what: string): void {
  if (!isNode(node) || node.typename !== "Symbol") fail(owner, `${what} must be a plain name`);
  checkSymbol(node);
}

function checkSymbol(node: NjNode): void {
  const value = node.value;
  if (typeof value !== "string" || !IDENT.test(value)) fail(node, `invalid name '${String(value)}'`);
}

/** Mirrors Compiler._getNodeName, whose result is emitted with only `"` escaped. */
function calledName(node: unknown): string {
  if (!isNode(node)) return "";
  switch (node.typename) {
    case "Symbol":
      return String(node.value);
    case "FunCall":
      return calledName(node.name);
    case "LookupVal":
      return `${calledName(node.target)}${calledName(node.val)}`;
    case "Literal":
      return String(node.value);
    default:
      return "";
  }
}

function checkNode(node: NjNode, opts: ValidateOptions): void {
  const refused = REFUSED[node.typename];
  if (refused !== undefined) fail(node, refused);
  switch (node.typename) {
    case "Symbol":
      checkSymbol(node);
      return;
    case "Literal":
      if (node.value instanceof RegExp) fail(node, "regular expression literals are not supported");
      return;
    case "TemplateData":
      return;
    case "Filter": {
      const name = node.name;
      if (!isNode(name) || name.typename !== "Symbol" || typeof name.value !== "string" || !DOTTED_IDENT.test(name.value)) {
        fail(node, "invalid filter name");
      }
      if (!opts.hasFilter(name.value)) fail(node, `unknown filter '${name.value}'`);
      walk(node.args, opts);
      return;
    }
    case "Is": {
      const right = node.right;
      const testName = isNode(right) && right.typename === "FunCall" ? right.name : right;
      requireSymbol(testName, node, "a test name");
      if (isNode(testName) && !opts.hasTest(String(testName.value))) fail(node, `unknown test '${String(testName.value)}'`);
      break;
    }
    case "Set": {
      const targets = node.targets;
      if (!Array.isArray(targets)) fail(node, "invalid {% set %}");
      for (const target of targets) requireSymbol(target, node, "a {% set %} target");
      break;
    }
    case "For": {
      const name = node.name;
      if (isNode(name) && name.typename === "Array") children(name).forEach((c) => requireSymbol(c, node, "a loop variable"));
      else requireSymbol(name, node, "a loop variable");
      break;
    }
    case "Macro":
    case "Caller": {
      requireSymbol(node.name, node, "a macro name");
      const args = isNode(node.args) ? children(node.args) : [];
      args.forEach((arg, i) => {
        if (i === args.length - 1 && (arg.typename === "KeywordArgs" || arg.typename === "Dict")) {
          for (const pair of children(arg)) requireSymbol(pair.key, node, "a macro argument");
        } else requireSymbol(arg, node, "a macro argument");
      });
      break;
    }
    case "Block":
      requireSymbol(node.name, node, "a block name");
      break;
    case "FunCall":
      if (UNSAFE_IN_JS_STRING.test(calledName(node.name))) fail(node, "unsupported characters in the name of a called value");
      break;
    default:
      break;
  }
  // Every own property, not just `fields`: the parser hangs extra nodes off some
  // (a block {% set %} keeps its body outside `fields`).
  for (const key of Object.keys(node)) walk(node[key], opts);
}

function walk(value: unknown, opts: ValidateOptions): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, opts);
    return;
  }
  if (isNode(value)) checkNode(value, opts);
}

/** Throws a syntax TemplateError when the AST uses anything we refuse to compile. */
export function validateTemplateAst(root: NjNode, opts: ValidateOptions): void {
  walk(root, opts);
}
