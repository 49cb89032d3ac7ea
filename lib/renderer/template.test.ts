import { describe, expect, it } from "vitest";
import { TemplateError } from "./errors";
import { checkTemplateSyntax, renderTemplate, templateSyntaxMessage } from "./template";

const doc = {
  doctype: "Note",
  name: "NOTE-0001",
  title: "Hello",
  total: 40000,
  is_paid: true,
  discount: null,
  items: [
    { item_code: "A", qty: 1, rate: 10.5 },
    { item_code: "B", qty: 2, rate: 3 },
    { item_code: "C", qty: 3, rate: 1 },
  ],
  meta: { owner: "admin" },
};

const render = (src: string, json = false) => renderTemplate(src, { doc }, { json });

const renderError = (src: string, json = false): TemplateError => {
  try {
    render(src, json);
  } catch (err) {
    if (err instanceof TemplateError) return err;
    throw err;
  }
  throw new Error(`expected ${src} to fail`);
};

describe("renderTemplate", () => {
  it("interpolates values and keeps Jinja loops working", () => {
    expect(render("{{ doc.name }}/{{ doc['title'] }}/{{ doc.items[1].item_code }}")).toBe("NOTE-0001/Hello/B");
    expect(render("{% for i in doc.items %}{{ loop.index }}:{{ i.item_code }}{% if not loop.last %},{% endif %}{% endfor %}")).toBe(
      "1:A,2:B,3:C",
    );
    expect(render("{% if doc.total > 1000 %}big{% else %}small{% endif %}")).toBe("big");
    expect(render("{{ doc.missing }}|{{ doc.discount }}|{{ doc.missing.deeper }}")).toBe("||");
    expect(render("{{ doc.is_paid }} {{ doc.total }} {{ doc.meta }}")).toBe('true 40000 {"owner":"admin"}');
  });

  it("provides Jinja filters with keyword arguments", () => {
    expect(render("{{ doc.items | map(attribute='item_code') | join(', ') }}")).toBe("A, B, C");
    expect(render("{{ doc.items | sum(attribute='qty') }}")).toBe("6");
    expect(render("{{ doc.items | sort(attribute='qty', reverse=true) | map(attribute='item_code') | join }}")).toBe("CBA");
    expect(render("{{ doc.discount | default('none') }}|{{ doc.title | upper }}|{{ doc.title | lower }}")).toBe("none|HELLO|hello");
    expect(render("{{ doc.items | length }} {{ doc.items | count }} {{ 2.555 | round(2) }} {{ '42' | int + 1 }} {{ 'x' | float }}")).toBe(
      "3 3 2.56 43 0",
    );
    expect(render("{{ '  hi  ' | trim }}|{{ 'a-b-c' | replace('-', '+') }}|{{ 'a-b-c' | replace('-', '+', 1) }}")).toBe("hi|a+b+c|a+b-c");
    expect(render("{{ doc.items | selectattr('qty', 'gt', 1) | map(attribute='item_code') | join }}")).toBe("BC");
    expect(render("{{ doc.items | groupby('qty') | map(attribute='grouper') | join(',') }}")).toBe("1,2,3");
    expect(render("{{ doc.meta | tojson }}|{{ doc.meta | json }}")).toBe('{"owner":"admin"}|{"owner":"admin"}');
    expect(render("{{ doc.title | attr('length') }}")).toBe("5");
  });

  it("offers Frappe helpers as globals and under utils/frappe.utils", () => {
    const today = render("{{ nowdate() }}");
    expect(today).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(render("{{ frappe.utils.nowdate() }}|{{ utils.today() }}")).toBe(`${today}|${today}`);
    expect(render("{{ now() }}")).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/);
    expect(render("{{ add_days('2024-01-31', 1) }} {{ flt('1,234.567', 2) }} {{ cint('7.9') }} {{ cstr(none) }}")).toBe(
      "2024-02-01 1234.57 7 ",
    );
    expect(render("{{ flt(doc.total, precision=1) }}")).toBe("40000");
    expect(render("{{ doc.title.startswith('He') }} {{ doc.meta.get('owner') }} {{ doc.title.upper() }}")).toBe("true admin HELLO");
  });

  it("supports macros, call blocks, cycler and joiner", () => {
    expect(render("{% macro row(x, sep='-') %}[{{ x }}{{ sep }}]{% endmacro %}{{ row(1) }}{{ row(2, sep='+') }}")).toBe("[1-][2+]");
    expect(render("{% macro w() %}<{{ caller() }}>{% endmacro %}{% call w() %}in{% endcall %}")).toBe("<in>");
    expect(render("{% set c = cycler('a', 'b') %}{{ c.next() }}{{ c.next() }}{{ c.next() }}")).toBe("aba");
    expect(render("{% set j = joiner('|') %}{% for i in range(3) %}{{ j() }}{{ i }}{% endfor %}")).toBe("0|1|2");
  });
});

describe("attribute access reads data, never methods", () => {
  const note = { doctype: "Note", name: "Quarterly targets", title: "Q3", rows: [{ qty: 2, values: "v" }] };
  const renderNote = (src: string) => renderTemplate(src, { doc: note });

  it("renders a missing field named like a method as empty and iterates nothing", () => {
    expect(renderNote("[{{ doc.items }}][{{ doc.keys }}][{{ doc.get }}][{{ doc.title.upper }}]")).toBe("[][][][]");
    expect(renderNote("{% for i in doc.items %}row{% endfor %}|{% for i in doc.items %}row{% else %}none{% endfor %}")).toBe("|none");
    expect(renderNote("{% if doc.items %}yes{% else %}no{% endif %} {{ doc.items == none }} {{ not doc.items }}")).toBe("no true true");
    expect(renderNote("{{ doc.items | length }}|{{ doc.items | default('-') }}")).toBe("0|-");
    expect(renderTemplate('{"items": {{ doc.items | tojson }}}', { doc: note }, { json: true })).toBe('{"items": null}');
  });

  it("prefers a data key and keeps methods reachable through calls", () => {
    expect(renderNote("{{ doc.rows[0].values }}|{{ doc.rows[0].keys() | join(',') }}")).toBe("v|qty,values");
    expect(renderNote("{{ doc.get('title') }}|{{ doc.get('items', 1) }}|{{ doc.title.lower() }}|{{ 'a'.upper() }}")).toBe("Q3|1|q3|A");
    expect(renderNote("{{ doc.name.split(' ')[0] }}")).toBe("Quarterly");
  });
});

describe("Python arithmetic", () => {
  it("repeats and concatenates strings and lists like Jinja", () => {
    expect(render('{{ "x" * 3 }}|{{ 3 * "x" }}|{{ "a" + "b" }}|{{ "ab" * 0 }}|{{ [1] * 2 }}|{{ [1] + [2] }}')).toBe(
      "xxx|xxx|ab||[1,1]|[1,2]",
    );
    expect(render("{{ 1 + 2 }}|{{ 2 * 3.5 }}|{{ doc.total + 1 }}|{{ true + 1 }}")).toBe("3|7|40001|2");
  });

  it("raises a TypeError instead of producing NaN", () => {
    expect(renderError('{{ 1 + "a" }}').message).toBe("unsupported operand type(s) for +: 'int' and 'str'");
    expect(renderError('{{ "a" + 1 }}').message).toBe('can only concatenate str (not "int") to str');
    expect(renderError("{{ doc.missing + 1 }}").message).toBe("unsupported operand type(s) for +: 'NoneType' and 'int'");
    expect(renderError('{{ "x" * 1.5 }}').message).toBe("can't multiply sequence by non-int of type 'float'");
    expect(renderError("{{ doc.meta * 2 }}").message).toBe("unsupported operand type(s) for *: 'dict' and 'int'");
  });

  it("bounds repetition by the output limit", () => {
    expect(() => renderTemplate('{{ "x" * 2000 }}', {}, { maxOutput: 1000 })).toThrow("Template output is too large");
    expect(() => renderTemplate('{% set s = "xy" * 100000000 %}', {})).toThrow("Template output is too large");
  });
});

describe("JSON mode", () => {
  const tricky = [
    'quote " inside',
    "back\\slash",
    "new\nline\ttab\r",
    "unicode é 日本 😀",
    "</script><script>alert(1)</script>",
    "\u0000\u0001\u001f control",
    "\u2028\u2029 separators",
    "'single'",
  ];

  it.each(tricky)("keeps the body valid JSON for %j", (name) => {
    const out = renderTemplate('{"name": "{{ doc.name }}", "upper": "{{ doc.name | upper }}"}', { doc: { name } }, { json: true });
    const parsed = JSON.parse(out) as { name: string; upper: string };
    expect(parsed.name).toBe(name);
    expect(parsed.upper).toBe(name.toUpperCase());
  });

  it("embeds numbers, booleans and tojson/safe values unescaped", () => {
    const out = render(
      '{"total": {{ doc.total }}, "paid": {{ doc.is_paid }}, "items": {{ doc.items | tojson }}, "raw": {{ \'{"a": 1}\' | safe }}}',
      true,
    );
    expect(JSON.parse(out)).toEqual({ total: 40000, paid: true, items: doc.items, raw: { a: 1 } });
  });

  it("renders a for-loop JSON array", () => {
    const src =
      '[{% for item in doc.items %}{"item_code": "{{ item.item_code }}", "qty": {{ item.qty }}}{% if not loop.last %},{% endif %}{% endfor %}]';
    const parsed = JSON.parse(render(src, true)) as unknown[];
    expect(parsed).toHaveLength(3);
    expect(parsed[2]).toEqual({ item_code: "C", qty: 3 });
  });

  it("does not escape outside JSON mode", () => {
    expect(renderTemplate("{{ doc.name }}", { doc: { name: 'a"b' } })).toBe('a"b');
  });
});

describe("syntax checking", () => {
  it("reports the line of a syntax error", () => {
    expect(checkTemplateSyntax('{\n  "a": {{ doc.name }\n}')).toMatchObject({ line: 2 });
    expect(templateSyntaxMessage("ok\n{% for x in %}")).toMatch(/^Syntax error in template at line 2: /);
    expect(templateSyntaxMessage("{% if x %}no end")).toMatch(/^Syntax error in template at line 1: /);
    expect(checkTemplateSyntax("{{ doc.name | nosuchfilter }}")).toEqual({ line: 1, column: 15, message: "unknown filter 'nosuchfilter'" });
    expect(checkTemplateSyntax('{"a": "{{ doc.name }}"}')).toBeNull();
  });

  it("reports the column too, and a block left open at the last line", () => {
    // Column 21: the lone "}" that should be "}}".
    expect(checkTemplateSyntax('{\n  "a": "{{ doc.name }",\n  "b": 1\n}')).toEqual({
      line: 2,
      column: 21,
      message: "expected variable end",
    });
    expect(checkTemplateSyntax('{\n  "a": {% if %},\n  "b": 1\n}')).toMatchObject({ line: 2, column: 14 });
    expect(checkTemplateSyntax('{\n  "a": 1,\n  "b": {{ doc.x | nosuch }}\n}')).toMatchObject({ line: 3, column: 19 });
    expect(checkTemplateSyntax('{\n  "a": 1,\n  "b": {% for x in y %}\n}')).toMatchObject({ line: 4, message: "unexpected end of file" });
  });

  it("throws TemplateError with a line for runtime errors", () => {
    const err = renderError("line 1\nline 2 {{ doc.title() }}");
    expect(err.line).toBe(2);
    expect(err.message).toContain("is not callable");
    expect(renderError("{{ ").syntax).toBe(true);
  });
});
