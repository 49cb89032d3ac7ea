import { afterEach, describe, expect, it } from "vitest";
import { TemplateError } from "./errors";
import { renderTemplate } from "./template";

const g = globalThis as { __pwned?: unknown };
const PWN = "globalThis.__pwned = 1; return process";
const doc = { name: "N-1", items: [{ a: 1 }], big: "x".repeat(1000) };

function attempt(src: string): { output?: string; error?: unknown } {
  try {
    return { output: renderTemplate(src, { doc }) };
  } catch (error) {
    return { error };
  }
}

afterEach(() => {
  delete g.__pwned;
});

describe("template sandbox escapes", () => {
  const payloads = [
    `{{ range.constructor("${PWN}")() }}`,
    `{{ doc.constructor.constructor("${PWN}")() }}`,
    `{{ "".constructor.constructor("${PWN}")() }}`,
    `{{ "".constructor }}`,
    `{{ cycler.constructor("${PWN}")() }}`,
    `{{ joiner.constructor("${PWN}")() }}`,
    `{{ cycler("a").next.constructor("${PWN}")() }}`,
    `{{ joiner()["constructor"]("${PWN}")() }}`,
    `{{ {}.constructor.constructor("${PWN}")() }}`,
    `{{ ({}).constructor }}`,
    `{{ [].constructor.constructor("${PWN}")() }}`,
    `{{ doc.__proto__.constructor }}`,
    `{{ doc["__proto__"]["constructor"] }}`,
    `{{ doc["con" ~ "structor"]["con" ~ "structor"]("${PWN}")() }}`,
    `{% set k = "constructor" %}{{ range[k][k]("${PWN}")() }}`,
    `{% set f = range.constructor %}{{ f("${PWN}")() }}`,
    `{% set x = joiner %}{{ x.prototype }}`,
    `{{ doc | attr("constructor") }}`,
    `{{ (doc | attr("constructor") | attr("constructor"))("${PWN}")() }}`,
    `{{ [doc] | map(attribute="constructor") | first }}`,
    `{{ [doc] | map(attribute="constructor.constructor") | first }}`,
    `{{ [doc] | selectattr("constructor") | list }}`,
    `{{ [doc] | sort(attribute="constructor") }}`,
    `{{ [doc] | groupby("constructor") }}`,
    `{{ [doc] | sum(attribute="constructor") }}`,
    `{{ [doc] | join(",", attribute="__proto__") }}`,
    `{{ doc | dictsort | attr("constructor") }}`,
    `{{ nowdate.constructor("${PWN}")() }}`,
    `{{ nowdate.call(null) }}`,
    `{{ nowdate.apply(null, []) }}`,
    `{{ nowdate.bind(null)() }}`,
    `{{ frappe.utils.constructor }}`,
    `{{ frappe.utils.nowdate.constructor("${PWN}")() }}`,
    `{{ toString.constructor("${PWN}")() }}`,
    `{{ valueOf() }}`,
    `{{ constructor("${PWN}")() }}`,
    `{{ hasOwnProperty("x") }}`,
    `{% macro m() %}{% endmacro %}{{ m.constructor("${PWN}")() }}`,
    `{% for x in range(1) %}{{ loop.constructor("${PWN}")() }}{% endfor %}`,
    `{{ "abc".replace.constructor("${PWN}")() }}`,
    `{{ doc.name.upper.receiver }}{{ doc.name.upper.impl }}`,
    `{{ doc.name.__defineGetter__ }}`,
    `{{ super() }}`,
    `{% include "/etc/passwd" %}`,
    `{% import "x" as y %}`,
    `{% extends "x" %}`,
    `{% from "x" import y %}`,
    `{{ r/(a+)+$/.test(doc.name) }}`,
  ];

  it.each(payloads)("%s", (src) => {
    const { output, error } = attempt(src);
    expect(g.__pwned).toBeUndefined();
    if (error === undefined) {
      expect(output).not.toMatch(/process|function|native code|\[object/i);
    } else {
      expect(error).toBeInstanceOf(TemplateError);
    }
  });

  const injections = [
    '{{ a"b }}',
    '{{ x",globalThis.__pwned=1,"y }}',
    // This one and the {% set %} / {% macro %} ones below run code in stock nunjucks 3.2.4.
    '{{ 1 is "defined\\").call(context),globalThis.__pwned=1,env.getTest(\\"defined" }}',
    '{% set "a\\",globalThis.__pwned=1,\\"" = 1 %}',
    '{% for "x\\",globalThis.__pwned=1,\\"" in [1] %}{% endfor %}',
    '{% macro m("a\\",globalThis.__pwned=1,\\""=1) %}{% endmacro %}',
    '{% block "b\\",globalThis.__pwned=1,\\"" %}{% endblock %}',
    '{{ doc["\\\\"]("x") }}',
    '{{ doc["\\\\"]["+(globalThis.__pwned=1)+"]() }}',
  ];

  it.each(injections)("refuses compile-time injection %s", (src) => {
    const { error } = attempt(src);
    expect(g.__pwned).toBeUndefined();
    expect(error).toBeInstanceOf(TemplateError);
  });

  it("cannot pollute prototypes through {% set %}", () => {
    attempt('{% set __proto__ = {"polluted": "yes"} %}{{ polluted }}');
    attempt('{% set x = {"__proto__": {"polluted": "yes"}} %}{{ x.polluted }}');
    expect(({} as { polluted?: string }).polluted).toBeUndefined();
    expect(renderTemplate('{% set __proto__ = {"p": 1} %}{{ p }}|{{ constructor }}', {})).toBe("|");
  });

  it("does not expose functions that arrive in the context", () => {
    let called = false;
    const ctx = { doc: { f: () => (called = true) }, g: () => (called = true) };
    expect(() => renderTemplate("{{ doc.f() }}", ctx)).toThrow(TemplateError);
    expect(() => renderTemplate("{{ g() }}", ctx)).toThrow("is not callable");
    expect(called).toBe(false);
  });
});

describe("template limits", () => {
  const timed = (src: string, json = false) => {
    const start = Date.now();
    let error: unknown;
    try {
      renderTemplate(src, { doc }, { json });
    } catch (err) {
      error = err;
    }
    return { error, ms: Date.now() - start };
  };

  it("bounds range()", () => {
    const { error, ms } = timed("{% for i in range(10**9) %}{% endfor %}");
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as Error).message).toContain("range()");
    expect(ms).toBeLessThan(1000);
  });

  it("stops long loops with the time budget", () => {
    const { error, ms } = timed("{% for a in range(10000) %}{% for b in range(10000) %}{% endfor %}{% endfor %}");
    expect((error as Error).message).toMatch(/^The template took longer than/);
    expect(ms).toBeLessThan(1500);
  });

  it("stops self-recursive and exponential macros", () => {
    const direct = timed("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
    expect(direct.error).toBeInstanceOf(TemplateError);
    expect((direct.error as Error).message).toMatch(/recursion is too deep/);
    const exponential = timed("{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(50) }}");
    expect(exponential.error).toBeInstanceOf(TemplateError);
    expect(exponential.ms).toBeLessThan(1500);
  });

  it("caps output and intermediate string sizes", () => {
    const loop = timed("{% for a in range(10000) %}{% for b in range(200) %}{{ doc.big }}{% endfor %}{% endfor %}");
    expect((loop.error as Error).message).toMatch(/^(Template output is too large|The template took longer than)/);
    const doubling = timed('{% set s = "xxxxxxxxxx" %}{% for i in range(40) %}{% set s = s ~ s %}{% endfor %}{{ s | length }}');
    expect((doubling.error as Error).message).toMatch(/^Template output is too large/);
    expect(timed("{{ 'x' | center(1000000000) }}").error).toBeInstanceOf(TemplateError);
    expect(timed("{{ [1] | batch(1000000000, 'x') }}").error).toBeInstanceOf(TemplateError);
    expect(() => renderTemplate("{{ doc.big }}", { doc }, { maxOutput: 100 })).toThrow("Template output is too large");
  });

  it("stops values that share sub-lists from expanding exponentially", () => {
    const dag = "{% set x = [1] %}{% for i in range(60) %}{% set x = [x, x] %}{% endfor %}";
    for (const tail of ["{{ x | tojson }}", "{{ x }}", "{{ x in [x] }}", "{{ x | string }}", "{{ [x, x] | unique }}", "{{ str(x) }}"]) {
      const { error, ms } = timed(dag + tail, true);
      expect(error, tail).toBeInstanceOf(TemplateError);
      expect(ms, tail).toBeLessThan(1500);
    }
  });

  it("refuses oversized concatenations before flattening them", () => {
    const big = { big: "x".repeat(600_000) };
    const cat = "(doc.big ~ doc.big ~ doc.big ~ doc.big)";
    for (const src of [`{{ ${cat}.upper() }}`, `{{ ${cat} | length }}`, `{{ len(${cat}) }}`, `{{ ${cat} }}`]) {
      expect(() => renderTemplate(src, { doc: big }, { json: true }), src).toThrow("Template output is too large");
    }
  });

  it("strips tags in linear time", () => {
    const nasty = { s: "<".repeat(200_000) + "<!--".repeat(50_000) };
    const start = Date.now();
    expect(renderTemplate("{{ doc.s | striptags | length }}", { doc: nasty })).toBe("400000");
    expect(Date.now() - start).toBeLessThan(1000);
    expect(renderTemplate("{{ 'a <b>bold</b> < c <!-- x --> d' | striptags }}", {})).toBe("a bold < c d");
  });
});
