// Tokenizer for Frappe conditions, a subset of Python's expression grammar.
import { ConditionSyntaxError } from "./errors";

type TokenType = "num" | "str" | "name" | "op" | "eof";

export interface Token {
  type: TokenType;
  /** Operator/name text, or the decoded string literal value. */
  value: string;
  /** Parsed value of a number token. */
  num: number;
  /** 0-based offset of the token in the source. */
  pos: number;
}

const OPERATORS = [
  "**",
  "//",
  "==",
  "!=",
  "<=",
  ">=",
  ">>",
  "<<",
  "->",
  ":=",
  "<>",
  "<",
  ">",
  "+",
  "-",
  "*",
  "/",
  "%",
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  ",",
  ":",
  ".",
  "=",
  "&",
  "|",
  "^",
  "~",
  "@",
  ";",
  "!",
];

const NUMBER_RE =
  /0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?/y;
const NAME_RE = /[\p{L}_][\p{L}\p{N}_]*/uy;
const NAME_CHAR_RE = /[\p{L}\p{N}_]/u;

/** Builds the syntax error with a 1-based line/column computed from a source offset. */
export function syntaxError(src: string, pos: number, detail: string): ConditionSyntaxError {
  const before = src.slice(0, pos);
  const line = before.split("\n").length;
  const column = pos - (before.lastIndexOf("\n") + 1) + 1;
  const where = src.includes("\n") ? `line ${line}, column ${column}` : `column ${column}`;
  return new ConditionSyntaxError(`invalid syntax at ${where}: ${detail}`, line, column);
}

const SIMPLE_ESCAPES: Record<string, string> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  n: "\n",
  r: "\r",
  t: "\t",
  a: "\x07",
  b: "\b",
  f: "\f",
  v: "\v",
  "0": "\0",
  "\n": "",
};

function readString(src: string, start: number, raw: boolean): { value: string; end: number } {
  const quoteChar = src[start] ?? "";
  const triple = src.startsWith(quoteChar.repeat(3), start);
  const quote = triple ? quoteChar.repeat(3) : quoteChar;
  let i = start + quote.length;
  let out = "";
  while (i < src.length) {
    if (src.startsWith(quote, i)) return { value: out, end: i + quote.length };
    const c = src[i] ?? "";
    if (c === "\n" && !triple) break;
    if (c !== "\\") {
      out += c;
      i++;
      continue;
    }
    const next = src[i + 1];
    if (next === undefined) break;
    if (raw) {
      // Raw strings keep the backslash but it still protects a following quote.
      out += c + next;
      i += 2;
      continue;
    }
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined && Object.prototype.hasOwnProperty.call(SIMPLE_ESCAPES, next)) {
      out += simple;
      i += 2;
      continue;
    }
    const hexLen = next === "x" ? 2 : next === "u" ? 4 : next === "U" ? 8 : 0;
    if (hexLen > 0) {
      const hex = src.slice(i + 2, i + 2 + hexLen);
      const code = /^[0-9a-fA-F]+$/.test(hex) && hex.length === hexLen ? parseInt(hex, 16) : Number.NaN;
      if (Number.isNaN(code) || code > 0x10ffff) throw syntaxError(src, i, `truncated \\${next} escape`);
      out += String.fromCodePoint(code);
      i += 2 + hexLen;
      continue;
    }
    // Python keeps unknown escapes such as "\d" verbatim.
    out += c + next;
    i += 2;
  }
  throw syntaxError(src, start, "unterminated string literal");
}

export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i] ?? "";
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f") {
      i++;
      continue;
    }
    if (c === "\\" && (src[i + 1] === "\n" || src[i + 1] === "\r")) {
      i += 2;
      continue;
    }
    if (c === "#") {
      while (i < n && src[i] !== "\n") i++;
      continue;
    }
    const prefix = /^([rRuUbBfF]{1,2})['"]/.exec(src.slice(i, i + 3));
    if (c === "'" || c === '"' || prefix) {
      const flags = prefix?.[1]?.toLowerCase() ?? "";
      if (flags.includes("b") || flags.includes("f") || (flags.length === 2 && flags !== "ru" && flags !== "ur")) {
        throw syntaxError(src, i, `${flags}-strings are not supported`);
      }
      const start = i + flags.length;
      const { value, end } = readString(src, start, flags.includes("r"));
      tokens.push({ type: "str", value, num: 0, pos: i });
      i = end;
      continue;
    }
    if ((c >= "0" && c <= "9") || (c === "." && /[0-9]/.test(src[i + 1] ?? ""))) {
      NUMBER_RE.lastIndex = i;
      const m = NUMBER_RE.exec(src);
      const text = m?.[0] ?? c;
      const after = src[i + text.length] ?? "";
      if (NAME_CHAR_RE.test(after)) throw syntaxError(src, i, "invalid decimal literal");
      const clean = text.replace(/_/g, "");
      const lower = clean.toLowerCase();
      let num: number;
      if (lower.startsWith("0x")) num = parseInt(clean.slice(2), 16);
      else if (lower.startsWith("0o")) num = parseInt(clean.slice(2), 8);
      else if (lower.startsWith("0b")) num = parseInt(clean.slice(2), 2);
      else num = Number(clean);
      tokens.push({ type: "num", value: text, num, pos: i });
      i += text.length;
      continue;
    }
    NAME_RE.lastIndex = i;
    const name = NAME_RE.exec(src);
    if (name) {
      tokens.push({ type: "name", value: name[0], num: 0, pos: i });
      i += name[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op === undefined) throw syntaxError(src, i, `invalid character '${c}'`);
    tokens.push({ type: "op", value: op, num: 0, pos: i });
    i += op.length;
  }
  tokens.push({ type: "eof", value: "", num: 0, pos: n });
  return tokens;
}
