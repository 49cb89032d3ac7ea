// Compiles a validated nunjucks AST with three changes to nunjucks' code generation, made on
// our own Compiler instance (nunjucks' shared prototype is never patched):
// - `a.b(...)` looks `b` up with runtime.methodLookup, so methods such as `doc.get()` or
//   `name.upper()` are reachable only as call targets, while a bare `doc.items` reads data
//   (None when the field is missing) as in Frappe;
// - `+` and `*` go through runtime.pyAdd / runtime.pyMul for Jinja's (Python's) semantics:
//   `"x" * 3`, `"a" + "b"`, and a TypeError instead of NaN for `1 + "a"`.
// nunjucks' transformer is not run: with no async filters it only rewrites `super()` inside
// blocks, and blocks without {% extends %} have no super block to call anyway.
import type { NjCompilerInstance, NjNode } from "./template-internals";
import { nj } from "./template-internals";

type Emit = NjCompilerInstance["compileAdd"];

function binary(fn: string): Emit {
  return function emitBinary(node, frame) {
    this._emit(`runtime.${fn}(`);
    this.compile(node.left as NjNode, frame);
    this._emit(", ");
    this.compile(node.right as NjNode, frame);
    this._emit(")");
  };
}

/** JavaScript source for the template's root and block functions. */
export function compileAst(ast: NjNode): string {
  const c = new nj.compiler.Compiler("template", false);
  const baseFunCall = c.compileFunCall;
  const baseLookupVal = c.compileLookupVal;
  const callees = new WeakSet<object>();
  c.compileFunCall = function compileFunCall(node, frame) {
    const callee = node.name;
    if (typeof callee === "object" && callee !== null) callees.add(callee);
    baseFunCall.call(this, node, frame);
  };
  c.compileLookupVal = function compileLookupVal(node, frame) {
    if (!callees.has(node)) {
      baseLookupVal.call(this, node, frame);
      return;
    }
    this._emit("runtime.methodLookup((");
    this._compileExpression(node.target as NjNode, frame);
    this._emit("),");
    this._compileExpression(node.val as NjNode, frame);
    this._emit(")");
  };
  c.compileAdd = binary("pyAdd");
  c.compileMul = binary("pyMul");
  c.compile(ast);
  return c.getCode();
}
