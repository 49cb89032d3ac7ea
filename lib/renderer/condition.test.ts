import { describe, expect, it } from "vitest";
import {
  ConditionError,
  ConditionSyntaxError,
  conditionSyntaxMessage,
  evaluateCondition,
  evaluateExpression,
  parseCondition,
} from "./condition";
import { HELPERS } from "./helpers";

const today = (() => {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
})();

const doc = {
  doctype: "ToDo",
  name: "TD-0001",
  status: "Open",
  due_date: today,
  total: 50000,
  items: [
    { item_code: "A", qty: 1 },
    { item_code: "B", qty: 5 },
    { item_code: "C", qty: 2 },
  ],
  empty: [],
  tags: ["x", "y"],
  a: 0,
  b: "bee",
  c: "see",
  meta: { owner: "admin@example.com" },
  missing_is_null: null,
};

const syntaxError = (src: string): ConditionSyntaxError => {
  try {
    parseCondition(src);
  } catch (err) {
    if (err instanceof ConditionSyntaxError) return err;
    throw err;
  }
  throw new Error(`expected a syntax error for ${src}`);
};

describe("Frappe condition examples", () => {
  it.each([
    ['doc.status=="Open"', true],
    ['doc.status == "Closed"', false],
    ["doc.due_date==nowdate()", true],
    ["doc.due_date == frappe.utils.nowdate()", true],
    ["doc.due_date == utils.today()", true],
    ["doc.total > 40000", true],
    ["doc.total > 60000", false],
    ["len(doc.items) > 2", true],
    ["not doc.empty", true],
    ["not doc.items", false],
    ["doc.missing == None", true],
    ["doc.missing is None", true],
    ["doc.missing_is_null is None", true],
    ['"x" in doc.tags', true],
    ['"z" not in doc.tags', true],
    ['"EE" in doc.b.upper()', true],
    ["doc.meta.owner.endswith('@example.com')", true],
    ['doc.get("status") == "Open"', true],
    ['doc.get("nope", 7) == 7', true],
    ["1 < 2 < 3", true],
    ["3 > 2 > 2", false],
    ["any(i.qty > 4 for i in doc.items)", true],
    ["all(i.qty > 4 for i in doc.items)", false],
    ["[i.item_code for i in doc.items if i.qty >= 2] == ['B', 'C']", true],
    ["doc.items[0].item_code == 'A' and doc.items[-1].item_code == 'C'", true],
    ["getdate(doc.due_date) == nowdate()", true],
    ["add_days(nowdate(), 1) > doc.due_date", true],
    ["flt('1,234.50', 1) == 1234.5", true],
    ["cint('12.9') == 12", true],
    ["cstr(None) == ''", true],
  ])("%s → %s", (src, expected) => {
    expect(evaluateCondition(src, doc)).toBe(expected);
  });

  it("treats a blank condition as true", () => {
    expect(evaluateCondition("", doc)).toBe(true);
    expect(evaluateCondition("   \n ", doc)).toBe(true);
  });

  it("returns operands from and/or like Python", () => {
    expect(evaluateExpression("doc.a and doc.b or doc.c", doc)).toBe("see");
    expect(evaluateExpression("doc.b and doc.c", doc)).toBe("see");
    expect(evaluateExpression("doc.a or doc.b", doc)).toBe("bee");
    expect(evaluateExpression("doc.a and doc.b", doc)).toBe(0);
    expect(evaluateCondition("doc.a and doc.b or doc.c", doc)).toBe(true);
  });

  it("supports literals and arithmetic with Python semantics", () => {
    expect(evaluateExpression("7 // 2", doc)).toBe(3);
    expect(evaluateExpression("-7 // 2", doc)).toBe(-4);
    expect(evaluateExpression("-7 % 3", doc)).toBe(2);
    expect(evaluateExpression("7 / 2", doc)).toBe(3.5);
    expect(evaluateExpression("-2 ** 2", doc)).toBe(-4);
    expect(evaluateExpression("'ab' * 2 + \"c\\n\"", doc)).toBe("ababc\n");
    expect(evaluateExpression("[1, 2] + [3]", doc)).toEqual([1, 2, 3]);
    expect(evaluateExpression("(1,) == (1,)", doc)).toBe(true);
    expect(evaluateExpression("{'a': 1}['a']", doc)).toBe(1);
    expect(evaluateExpression("True + 1", doc)).toBe(2);
    expect(evaluateExpression("1 if doc.a else 2", doc)).toBe(2);
    expect(evaluateExpression("'abcdef'[1:3]", doc)).toBe("bc");
    expect(evaluateExpression("0x10 + 1_000 + .5", doc)).toBe(1016.5);
  });

  it("compares date strings lexically", () => {
    expect(evaluateCondition("'2024-01-31' < '2024-02-01'", doc)).toBe(true);
    expect(evaluateExpression("add_days('2024-02-28', 1)", doc)).toBe("2024-02-29");
    expect(evaluateExpression("add_days('2024-03-01 10:00:00', -1)", doc)).toBe("2024-02-29 10:00:00");
    expect(evaluateExpression("date_diff('2024-03-01', '2024-02-01')", doc)).toBe(29);
  });
});

describe("runtime errors", () => {
  it("raises Python-style TypeErrors for None vs numbers", () => {
    expect(() => evaluateCondition("doc.missing > 5", doc)).toThrow(ConditionError);
    expect(() => evaluateCondition("doc.missing > 5", doc)).toThrow("'>' not supported between instances of 'NoneType' and 'int'");
    expect(() => evaluateCondition("doc.status + 1", doc)).toThrow('can only concatenate str (not "int") to str');
    expect(() => evaluateCondition("1 / 0", doc)).toThrow("division by zero");
    expect(() => evaluateCondition("len(doc.missing)", doc)).toThrow("object of type 'NoneType' has no len()");
  });

  it("reports unknown names", () => {
    expect(() => evaluateCondition("status == 'Open'", doc)).toThrow("name 'status' is not defined");
    expect(() => evaluateCondition("frappe.db.get_value('x')", doc)).toThrow("module 'frappe' has no attribute 'db'");
  });

  it("is lenient about missing attributes, like frappe._dict", () => {
    expect(evaluateExpression("doc.nope.deeper.still", doc)).toBeNull();
    expect(evaluateExpression("doc['nope']", doc)).toBeNull();
    expect(evaluateExpression("doc.items[10]", doc)).toBeNull();
  });
});

describe("attribute access reads data, never methods", () => {
  const note = { doctype: "Note", name: "Quarterly targets", title: "Q3", status: "Open", rows: [{ qty: 2, get: 5 }] };

  it("treats a missing field named like a dict method as None", () => {
    expect(evaluateExpression("doc.items", note)).toBeNull();
    expect(evaluateCondition("doc.items == None", note)).toBe(true);
    expect(evaluateCondition("doc.items is None", note)).toBe(true);
    expect(evaluateCondition("not doc.items", note)).toBe(true);
    expect(evaluateCondition("doc.keys", note)).toBe(false);
    expect(evaluateCondition("doc.get", note)).toBe(false);
    expect(evaluateExpression("doc.status.lower", note)).toBeNull();
    expect(evaluateExpression("doc.rows[0].values", note)).toBeNull();
  });

  it("still prefers the data key when present", () => {
    expect(evaluateExpression("doc.items[0].item_code", doc)).toBe("A");
    expect(evaluateExpression("doc.rows[0].get", note)).toBe(5);
    expect(() => evaluateExpression("doc.rows[0].get('qty')", note)).toThrow("'int' object is not callable");
  });

  it("keeps methods reachable through call syntax", () => {
    expect(evaluateExpression('doc.get("title", 1)', note)).toBe("Q3");
    expect(evaluateExpression('doc.get("items", 1)', note)).toBe(1);
    expect(evaluateExpression("doc.status.lower()", note)).toBe("open");
    expect(evaluateExpression('"a".upper()', note)).toBe("A");
    expect(evaluateExpression("doc.rows[0].keys()", note)).toEqual(["qty", "get"]);
    expect(evaluateExpression("doc.items()", { x: 1 })).toEqual([["x", 1]]);
  });

  it("raises Python's TypeError when subscripting a missing child table", () => {
    expect(() => evaluateCondition("doc.items[0].qty > 1", note)).toThrow(ConditionError);
    expect(() => evaluateCondition("doc.items[0].qty > 1", note)).toThrow("'NoneType' object is not subscriptable");
    expect(() => evaluateCondition("doc.items[1:]", note)).toThrow("'NoneType' object is not subscriptable");
  });
});

describe("syntax errors", () => {
  it.each([
    ["doc.status ==", "invalid syntax at column 14: unexpected end of expression"],
    ["doc.total >> 3", "invalid syntax at column 11: unexpected '>>'"],
    ["(doc.a == 1", "invalid syntax at column 1: '(' was never closed"],
    ["doc.a == 1)", "invalid syntax at column 11: unexpected ')'"],
    ['doc.status = "Open"', "invalid syntax at column 12: unexpected '=' (use '==' to compare)"],
    ["'abc", "invalid syntax at column 1: unterminated string literal"],
    ["doc.x $ 2", "invalid syntax at column 7: invalid character '$'"],
    ["lambda: 1", "invalid syntax at column 1: unexpected 'lambda'"],
  ])("%s", (src, message) => {
    const err = syntaxError(src);
    expect(err.message).toBe(message);
    expect(() => evaluateCondition(src, doc)).toThrow(ConditionSyntaxError);
    expect(conditionSyntaxMessage(src)).toBe(message);
  });

  it("accepts valid conditions in conditionSyntaxMessage", () => {
    expect(conditionSyntaxMessage('doc.status=="Open"')).toBeNull();
    expect(conditionSyntaxMessage("")).toBeNull();
  });

  it("bounds length and nesting", () => {
    expect(() => parseCondition("1 + ".repeat(3000) + "1")).toThrow(/too deeply nested|longer than/);
    expect(() => parseCondition("(".repeat(500) + "1" + ")".repeat(500))).toThrow("too deeply nested");
    expect(() => parseCondition("not ".repeat(500) + "1")).toThrow("too deeply nested");
    expect(() => parseCondition("doc" + ".a".repeat(200))).toThrow("too deeply nested");
    expect(() => parseCondition("x" + " ".repeat(10_001))).toThrow("longer than 10000 characters");
  });

  it("bounds evaluation work", () => {
    expect(() => evaluateExpression("'x' * 10**9", doc)).toThrow("too large");
    const big = { rows: Array.from({ length: 1000 }, (_, i) => i) };
    expect(() => evaluateExpression("[[a + b for b in doc.rows] for a in doc.rows]", big)).toThrow(/too expensive|nested comprehensions/);
    expect(() => evaluateExpression("sum([a for a in doc.rows * 100 if a > 0 for b in doc.rows])", big)).toThrow(ConditionSyntaxError);
    // Lists sharing sub-lists double per level; str()/== stop counting instead of expanding.
    let nested = "doc.rows";
    for (let i = 0; i < 22; i++) nested = `[[v${i}, v${i}] for v${i} in ${nested}]`;
    expect(() => evaluateExpression(`str(${nested})`, big)).toThrow(/too expensive|too large/);
    expect(() => evaluateExpression(`${nested} == ${nested}`, big)).toThrow(/too expensive|too large/);
  });
});

describe("sandbox", () => {
  const g = globalThis as { __pwnedCondition?: boolean };

  it.each([
    'doc.constructor.constructor("return process")()',
    'doc.constructor.constructor("globalThis.__pwnedCondition = true")()',
    "doc.__proto__",
    "doc.__class__.__mro__",
    "doc.items.__class__",
    "doc.status.__class__",
    "nowdate.__globals__",
    "len.__self__",
    "doc.prototype",
    "doc['constructor']['constructor']('return process')()",
    "doc.status.upper.__func__",
    "doc.status.constructor('x')",
    "doc.items.map",
    "doc.get.__call__",
  ])("%s never reaches JS internals", (src) => {
    let value: unknown;
    try {
      value = evaluateExpression(src, doc);
    } catch (err) {
      expect(err).toBeInstanceOf(ConditionError);
      return;
    } finally {
      expect(g.__pwnedCondition).toBeUndefined();
    }
    expect(value).toBeNull();
  });

  it("rejects calls to anything but whitelisted functions", () => {
    expect(() => evaluateExpression('doc.constructor.constructor("return process")()', doc)).toThrow("is not callable");
    expect(() => evaluateExpression("doc.status()", doc)).toThrow("'str' object is not callable");
    const withFn = { f: () => "ran" };
    expect(() => evaluateExpression("doc.f()", withFn)).toThrow("is not callable");
  });

  it("only reads own data properties", () => {
    const proto = { secret: "inherited" };
    const child = Object.create(proto) as Record<string, unknown>;
    child.own = "mine";
    expect(evaluateExpression("doc.child.secret", { child })).toBeNull();
    // Objects with a custom prototype are opaque, even their own properties.
    expect(evaluateExpression("doc.child.own", { child })).toBeNull();
    expect(evaluateExpression("doc.plain.own", { plain: { own: "mine" } })).toBe("mine");
    const getterDoc = {};
    Object.defineProperty(getterDoc, "g", { enumerable: true, get: () => "from getter" });
    expect(evaluateExpression("doc.g", getterDoc)).toBeNull();
  });

  it("exposes every helper", () => {
    for (const name of HELPERS.keys()) {
      expect(() => parseCondition(`${name}`)).not.toThrow();
    }
  });
});
