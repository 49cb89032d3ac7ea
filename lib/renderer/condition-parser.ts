// Recursive-descent parser for Frappe conditions, following Python's expression grammar
// and precedence (if-else < or < and < not < comparisons < +,- < *,/,//,% < unary < ** < postfix).
import type { Token } from "./condition-lexer";
import { syntaxError, tokenize } from "./condition-lexer";

export type CompareOp = "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not in" | "is" | "is not";
type BinaryOp = "+" | "-" | "*" | "/" | "//" | "%" | "**";

export type ConditionAst =
  | { kind: "literal"; value: string | number | boolean | null; pos: number }
  | { kind: "name"; name: string; pos: number }
  | { kind: "list"; items: ConditionAst[]; tuple: boolean; pos: number }
  | { kind: "dict"; keys: ConditionAst[]; values: ConditionAst[]; pos: number }
  | { kind: "attr"; object: ConditionAst; name: string; pos: number }
  | { kind: "index"; object: ConditionAst; index: ConditionAst; pos: number }
  | { kind: "slice"; object: ConditionAst; start: ConditionAst | null; stop: ConditionAst | null; pos: number }
  | { kind: "call"; callee: ConditionAst; args: ConditionAst[]; kwargs: { name: string; value: ConditionAst }[]; pos: number }
  | { kind: "unary"; op: "-" | "+" | "not"; operand: ConditionAst; pos: number }
  | { kind: "binary"; op: BinaryOp; left: ConditionAst; right: ConditionAst; pos: number }
  | { kind: "bool"; op: "and" | "or"; left: ConditionAst; right: ConditionAst; pos: number }
  | { kind: "compare"; left: ConditionAst; ops: CompareOp[]; rights: ConditionAst[]; pos: number }
  | { kind: "ifexp"; test: ConditionAst; body: ConditionAst; orelse: ConditionAst; pos: number }
  | { kind: "comp"; element: ConditionAst; targets: string[]; iter: ConditionAst; conds: ConditionAst[]; pos: number };

const MAX_CONDITION_LENGTH = 10_000;
const MAX_AST_DEPTH = 100;

const KEYWORDS = new Set([
  "False",
  "None",
  "True",
  "and",
  "as",
  "assert",
  "async",
  "await",
  "break",
  "class",
  "continue",
  "def",
  "del",
  "elif",
  "else",
  "except",
  "finally",
  "for",
  "from",
  "global",
  "if",
  "import",
  "in",
  "is",
  "lambda",
  "nonlocal",
  "not",
  "or",
  "pass",
  "raise",
  "return",
  "try",
  "while",
  "with",
  "yield",
]);

const CLOSERS: Record<string, string> = { "(": ")", "[": "]", "{": "}" };

class Parser {
  private i = 0;
  private nesting = 0;
  /** AST depth per node, kept aside so the public AST stays plain data. */
  private readonly depths = new WeakMap<ConditionAst, number>();

  constructor(
    private readonly src: string,
    private readonly tokens: Token[],
  ) {}

  private peek(offset = 0): Token {
    const t = this.tokens[Math.min(this.i + offset, this.tokens.length - 1)];
    if (t === undefined) throw syntaxError(this.src, this.src.length, "unexpected end of expression");
    return t;
  }

  private next(): Token {
    const t = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }

  private isOp(value: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.type === "op" && t.value === value;
  }

  private isKw(value: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.type === "name" && t.value === value;
  }

  private unexpected(t: Token): Error {
    if (t.type === "eof") return syntaxError(this.src, t.pos, "unexpected end of expression");
    const text = t.type === "str" ? this.src.slice(t.pos, t.pos + 20) : t.value;
    const hint = t.type === "op" && t.value === "=" ? " (use '==' to compare)" : "";
    return syntaxError(this.src, t.pos, `unexpected '${text}'${hint}`);
  }

  private expectClose(open: Token): void {
    const want = CLOSERS[open.value] ?? ")";
    const t = this.peek();
    if (t.type === "op" && t.value === want) {
      this.next();
      return;
    }
    if (t.type === "eof") throw syntaxError(this.src, open.pos, `'${open.value}' was never closed`);
    throw this.unexpected(t);
  }

  /** Records a node's depth and rejects trees deeper than MAX_AST_DEPTH. */
  private mk<T extends ConditionAst>(node: T, ...children: (ConditionAst | null)[]): T {
    let depth = 1;
    for (const child of children) {
      if (child) depth = Math.max(depth, (this.depths.get(child) ?? 1) + 1);
    }
    if (depth > MAX_AST_DEPTH) throw syntaxError(this.src, node.pos, "expression is too deeply nested");
    this.depths.set(node, depth);
    return node;
  }

  /** Guards recursion so deeply nested input fails cleanly instead of overflowing the stack. */
  private nested<T>(pos: number, fn: () => T): T {
    if (++this.nesting > MAX_AST_DEPTH) throw syntaxError(this.src, pos, "expression is too deeply nested");
    try {
      return fn();
    } finally {
      this.nesting--;
    }
  }

  parseAll(): ConditionAst {
    const expr = this.parseTest();
    const t = this.peek();
    if (t.type !== "eof") {
      if (t.type === "op" && (t.value === ")" || t.value === "]" || t.value === "}")) {
        throw syntaxError(this.src, t.pos, `unexpected '${t.value}'`);
      }
      throw this.unexpected(t);
    }
    return expr;
  }

  // test: or_test ['if' or_test 'else' test]
  private parseTest(): ConditionAst {
    return this.nested(this.peek().pos, () => {
      const body = this.parseOr();
      if (!this.isKw("if")) return body;
      const pos = this.next().pos;
      const test = this.parseOr();
      if (!this.isKw("else")) throw this.unexpected(this.peek());
      this.next();
      const orelse = this.parseTest();
      return this.mk({ kind: "ifexp", test, body, orelse, pos }, test, body, orelse);
    });
  }

  private parseOr(): ConditionAst {
    let left = this.parseAnd();
    while (this.isKw("or")) {
      const pos = this.next().pos;
      const right = this.parseAnd();
      left = this.mk({ kind: "bool", op: "or", left, right, pos }, left, right);
    }
    return left;
  }

  private parseAnd(): ConditionAst {
    let left = this.parseNot();
    while (this.isKw("and")) {
      const pos = this.next().pos;
      const right = this.parseNot();
      left = this.mk({ kind: "bool", op: "and", left, right, pos }, left, right);
    }
    return left;
  }

  private parseNot(): ConditionAst {
    if (!this.isKw("not")) return this.parseComparison();
    const pos = this.next().pos;
    const operand = this.nested(pos, () => this.parseNot());
    return this.mk({ kind: "unary", op: "not", operand, pos }, operand);
  }

  private compareOp(): CompareOp | null {
    const t = this.peek();
    if (t.type === "op" && ["==", "!=", "<", "<=", ">", ">="].includes(t.value)) {
      this.next();
      return t.value as CompareOp;
    }
    if (t.type === "op" && t.value === "<>") throw syntaxError(this.src, t.pos, "unexpected '<>' (use '!=')");
    if (this.isKw("in")) {
      this.next();
      return "in";
    }
    if (this.isKw("not") && this.isKw("in", 1)) {
      this.next();
      this.next();
      return "not in";
    }
    if (this.isKw("is")) {
      this.next();
      if (this.isKw("not")) {
        this.next();
        return "is not";
      }
      return "is";
    }
    return null;
  }

  private parseComparison(): ConditionAst {
    const left = this.parseArith();
    const ops: CompareOp[] = [];
    const rights: ConditionAst[] = [];
    const pos = this.peek().pos;
    for (let op = this.compareOp(); op !== null; op = this.compareOp()) {
      ops.push(op);
      rights.push(this.parseArith());
    }
    if (ops.length === 0) return left;
    return this.mk({ kind: "compare", left, ops, rights, pos }, left, ...rights);
  }

  private parseArith(): ConditionAst {
    let left = this.parseTerm();
    while (this.isOp("+") || this.isOp("-")) {
      const t = this.next();
      const right = this.parseTerm();
      left = this.mk({ kind: "binary", op: t.value as BinaryOp, left, right, pos: t.pos }, left, right);
    }
    return left;
  }

  private parseTerm(): ConditionAst {
    let left = this.parseUnary();
    while (this.isOp("*") || this.isOp("/") || this.isOp("//") || this.isOp("%")) {
      const t = this.next();
      const right = this.parseUnary();
      left = this.mk({ kind: "binary", op: t.value as BinaryOp, left, right, pos: t.pos }, left, right);
    }
    return left;
  }

  private parseUnary(): ConditionAst {
    if (this.isOp("-") || this.isOp("+")) {
      const t = this.next();
      const operand = this.nested(t.pos, () => this.parseUnary());
      return this.mk({ kind: "unary", op: t.value as "-" | "+", operand, pos: t.pos }, operand);
    }
    return this.parsePower();
  }

  // power: postfix ['**' unary]  (right-associative, binds tighter than a unary minus on its left)
  private parsePower(): ConditionAst {
    const left = this.parsePostfix();
    if (!this.isOp("**")) return left;
    const t = this.next();
    const right = this.nested(t.pos, () => this.parseUnary());
    return this.mk({ kind: "binary", op: "**", left, right, pos: t.pos }, left, right);
  }

  private parsePostfix(): ConditionAst {
    let node = this.parseAtom();
    for (;;) {
      if (this.isOp(".")) {
        const dot = this.next();
        const name = this.next();
        if (name.type !== "name") throw this.unexpected(name);
        node = this.mk({ kind: "attr", object: node, name: name.value, pos: dot.pos }, node);
      } else if (this.isOp("[")) {
        node = this.parseSubscript(node);
      } else if (this.isOp("(")) {
        node = this.parseCall(node);
      } else {
        return node;
      }
    }
  }

  private parseSubscript(object: ConditionAst): ConditionAst {
    const open = this.next();
    let start: ConditionAst | null = null;
    if (!this.isOp(":")) start = this.parseTest();
    if (this.isOp(":")) {
      this.next();
      const stop = this.isOp("]") ? null : this.parseTest();
      if (this.isOp(":")) throw syntaxError(this.src, this.peek().pos, "slice steps are not supported");
      this.expectClose(open);
      return this.mk({ kind: "slice", object, start, stop, pos: open.pos }, object, start, stop);
    }
    this.expectClose(open);
    if (start === null) throw this.unexpected(open);
    return this.mk({ kind: "index", object, index: start, pos: open.pos }, object, start);
  }

  private parseCall(callee: ConditionAst): ConditionAst {
    const open = this.next();
    const args: ConditionAst[] = [];
    const kwargs: { name: string; value: ConditionAst }[] = [];
    while (!this.isOp(")")) {
      if (this.peek().type === "eof") throw syntaxError(this.src, open.pos, "'(' was never closed");
      if (this.isOp("*") || this.isOp("**")) throw syntaxError(this.src, this.peek().pos, "argument unpacking is not supported");
      if (this.peek().type === "name" && this.isOp("=", 1)) {
        const name = this.next().value;
        this.next();
        kwargs.push({ name, value: this.parseTest() });
      } else {
        if (kwargs.length > 0) throw syntaxError(this.src, this.peek().pos, "positional argument follows keyword argument");
        const arg = this.parseTest();
        // A lone generator expression may drop its own parentheses: any(x > 1 for x in xs).
        args.push(this.isKw("for") ? this.parseComprehension(arg, open.pos) : arg);
      }
      if (!this.isOp(",")) break;
      this.next();
    }
    this.expectClose(open);
    return this.mk({ kind: "call", callee, args, kwargs, pos: open.pos }, callee, ...args, ...kwargs.map((k) => k.value));
  }

  private parseComprehension(element: ConditionAst, pos: number): ConditionAst {
    this.next(); // 'for'
    const targets: string[] = [];
    do {
      const t = this.next();
      if (t.type !== "name" || KEYWORDS.has(t.value)) throw this.unexpected(t);
      targets.push(t.value);
    } while (this.isOp(",") && this.next());
    if (!this.isKw("in")) throw this.unexpected(this.peek());
    this.next();
    const iter = this.parseOr();
    const conds: ConditionAst[] = [];
    while (this.isKw("if")) {
      this.next();
      conds.push(this.parseOr());
    }
    if (this.isKw("for")) throw syntaxError(this.src, this.peek().pos, "nested comprehensions are not supported");
    return this.mk({ kind: "comp", element, targets, iter, conds, pos }, element, iter, ...conds);
  }

  private parseSequence(open: Token, close: string): { items: ConditionAst[]; trailingComma: boolean } {
    const items: ConditionAst[] = [];
    let trailingComma = false;
    while (!this.isOp(close)) {
      if (this.peek().type === "eof") break;
      items.push(this.parseTest());
      trailingComma = false;
      if (!this.isOp(",")) break;
      this.next();
      trailingComma = true;
    }
    this.expectClose(open);
    return { items, trailingComma };
  }

  private parseAtom(): ConditionAst {
    const t = this.peek();
    if (t.type === "num") {
      this.next();
      return this.mk({ kind: "literal", value: t.num, pos: t.pos });
    }
    if (t.type === "str") {
      this.next();
      let value = t.value;
      // Adjacent literals concatenate, as in Python: "a" "b" == "ab".
      while (this.peek().type === "str") value += this.next().value;
      return this.mk({ kind: "literal", value, pos: t.pos });
    }
    if (t.type === "name") {
      if (t.value === "True" || t.value === "False" || t.value === "None") {
        this.next();
        return this.mk({ kind: "literal", value: t.value === "None" ? null : t.value === "True", pos: t.pos });
      }
      if (KEYWORDS.has(t.value)) throw this.unexpected(t);
      this.next();
      return this.mk({ kind: "name", name: t.value, pos: t.pos });
    }
    if (t.type === "op" && (t.value === "(" || t.value === "[")) {
      const open = this.next();
      const close = CLOSERS[open.value] ?? ")";
      if (!this.isOp(close) && this.peek().type !== "eof") {
        const first = this.parseTest();
        if (this.isKw("for")) {
          const comp = this.parseComprehension(first, open.pos);
          this.expectClose(open);
          return comp;
        }
        if (open.value === "(" && this.isOp(")")) {
          this.next();
          return first; // plain parentheses
        }
        if (this.isOp(",")) this.next();
        else if (!this.isOp(close)) {
          if (this.peek().type === "eof") throw syntaxError(this.src, open.pos, `'${open.value}' was never closed`);
          throw this.unexpected(this.peek());
        }
        const rest = this.parseSequence(open, close);
        const items = [first, ...rest.items];
        return this.mk({ kind: "list", items, tuple: open.value === "(", pos: open.pos }, ...items);
      }
      this.expectClose(open);
      return this.mk({ kind: "list", items: [], tuple: open.value === "(", pos: open.pos });
    }
    if (t.type === "op" && t.value === "{") return this.parseDict();
    throw this.unexpected(t);
  }

  private parseDict(): ConditionAst {
    const open = this.next();
    const keys: ConditionAst[] = [];
    const values: ConditionAst[] = [];
    while (!this.isOp("}") && this.peek().type !== "eof") {
      const key = this.parseTest();
      if (!this.isOp(":")) {
        throw syntaxError(
          this.src,
          this.peek().pos,
          this.isOp(",") || this.isOp("}") ? "set literals are not supported" : `unexpected '${this.peek().value}'`,
        );
      }
      this.next();
      keys.push(key);
      values.push(this.parseTest());
      if (!this.isOp(",")) break;
      this.next();
    }
    this.expectClose(open);
    return this.mk({ kind: "dict", keys, values, pos: open.pos }, ...keys, ...values);
  }
}

/** Parses a condition; throws ConditionSyntaxError with a "invalid syntax at column N: ..." message. */
export function parseCondition(src: string): ConditionAst {
  if (src.length > MAX_CONDITION_LENGTH) {
    throw syntaxError(src, MAX_CONDITION_LENGTH, `condition is longer than ${MAX_CONDITION_LENGTH} characters`);
  }
  const tokens = tokenize(src);
  if (tokens.length === 1) throw syntaxError(src, 0, "empty condition");
  return new Parser(src, tokens).parseAll();
}
