import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { RenderError } from "./errors";
import { buildRequest, prettyBody, toCurl } from "./request";
import type { Doc, RenderContext, WebhookSpec } from "./types";

const doc: Doc = {
  doctype: "Note",
  name: "Note-0001",
  title: "Quarterly",
  total: 40000,
  items: [
    { item_code: "A", qty: 1 },
    { item_code: "B", qty: 2 },
    { item_code: "C", qty: 3 },
  ],
};

const ctx: RenderContext = {
  doctype: "Note",
  event: "on_update",
  user: "admin@example.com",
  eventId: "evt-1",
  eventTime: "2024-05-01T10:00:00.000Z",
};

function spec(overrides: Partial<WebhookSpec> = {}): WebhookSpec {
  return {
    name: "hook",
    webhookDoctype: "Note",
    webhookDocevent: "on_update",
    enabled: true,
    condition: "",
    requestUrl: "https://example.com/hook",
    isDynamicUrl: false,
    timeout: 5,
    requestMethod: "POST",
    requestStructure: "",
    enableSecurity: false,
    signatureScheme: "frappe",
    webhookJson: "",
    headers: [],
    data: [],
    ...overrides,
  };
}

const nameRow = [{ fieldname: "name", key: "name" }];

describe("headers", () => {
  it("drops header rows that only have a key (Frappe test_webhook_headers)", () => {
    const req = buildRequest(
      spec({
        headers: [
          { key: "X-Only-Key", value: "" },
          { key: "", value: "orphan" },
          { key: " X-Kept ", value: " yes " },
        ],
        data: nameRow,
      }),
      doc,
      ctx,
    );
    expect(req.headers).toEqual({ "X-Kept": "yes", "Content-Type": "application/json" });
  });

  it("keeps a Content-Type set by a row and adds API key and signature last", () => {
    const req = buildRequest(
      spec({
        headers: [{ key: "content-type", value: "application/vnd.test+json" }],
        data: nameRow,
        apiKey: "k-123",
        enableSecurity: true,
        webhookSecret: "s3cret",
      }),
      doc,
      ctx,
    );
    expect(Object.keys(req.headers)).toEqual(["content-type", "X-API-Key", "X-Frappe-Webhook-Signature"]);
    expect(req.headers["X-API-Key"]).toBe("k-123");
  });

  it("uses a custom API key header and rejects header injection", () => {
    const req = buildRequest(spec({ apiKey: "k", apiKeyHeader: "Authorization" }), doc, ctx);
    expect(req.headers).toEqual({ Authorization: "k", "Content-Type": "application/json" });
    expect(() => buildRequest(spec({ headers: [{ key: "Bad Header", value: "x" }] }), doc, ctx)).toThrow(RenderError);
    expect(() => buildRequest(spec({ headers: [{ key: "X-A", value: "a\r\nInjected: 1" }] }), doc, ctx)).toThrow(RenderError);
  });
});

describe("bodies", () => {
  it("blank structure with a Data row gives the JSON mapping (Frappe test_webhook_data)", () => {
    const req = buildRequest(spec({ data: nameRow }), doc, ctx);
    expect(JSON.parse(req.body)).toEqual({ name: "Note-0001" });
    expect(req.body).toBe('{"name":"Note-0001"}');
    expect(req.method).toBe("POST");
    expect(req.url).toBe("https://example.com/hook");
  });

  it("blank structure without Data rows sends {} as JSON, like Frappe's json.dumps({})", () => {
    const req = buildRequest(spec(), doc, ctx);
    expect(req.body).toBe("{}");
    expect(req.headers).toEqual({ "Content-Type": "application/json" });
    expect(prettyBody(req)).toBe("{}");
    // Rows without a key or fieldname do not count as Data rows.
    expect(buildRequest(spec({ data: [{ key: "", fieldname: "name" }] }), doc, ctx).body).toBe("{}");
  });

  it("form structure is real x-www-form-urlencoded", () => {
    const req = buildRequest(
      spec({
        requestStructure: "Form URL-Encoded",
        data: [
          { fieldname: "name", key: "name" },
          { fieldname: "title", key: "the title" },
          { fieldname: "total", key: "total" },
          { fieldname: "missing", key: "missing" },
          { fieldname: "items.item_code", key: "codes" },
        ],
      }),
      { ...doc, title: "a&b=c d+é" },
      ctx,
    );
    expect(req.headers["Content-Type"]).toBe("application/x-www-form-urlencoded");
    expect(req.body).toBe("name=Note-0001&the+title=a%26b%3Dc+d%2B%C3%A9&total=40000&missing=&codes=%5B%22A%22%2C%22B%22%2C%22C%22%5D");
    expect(Object.fromEntries(new URLSearchParams(req.body))).toEqual({
      name: "Note-0001",
      "the title": "a&b=c d+é",
      total: "40000",
      missing: "",
      codes: '["A","B","C"]',
    });
  });

  it("maps dotted fieldnames over child rows and missing fields to null", () => {
    const req = buildRequest(
      spec({
        data: [
          { fieldname: "items.qty", key: "qtys" },
          { fieldname: "nope", key: "nope" },
        ],
      }),
      doc,
      ctx,
    );
    expect(JSON.parse(req.body)).toEqual({ qtys: [1, 2, 3], nope: null });
  });

  it("JSON structure renders the template (Frappe test_webhook_json)", () => {
    const req = buildRequest(spec({ requestStructure: "JSON", webhookJson: '{"name": "{{ doc.name }}"}' }), doc, ctx);
    expect(JSON.parse(req.body)).toEqual({ name: "Note-0001" });
    expect(req.headers["Content-Type"]).toBe("application/json");
  });

  it("JSON structure with a for-loop gives a 3-item array", () => {
    const webhookJson = `[
  {% for item in doc.items %}
  {"item_code": "{{ item.item_code }}", "qty": {{ item.qty }}}{% if not loop.last %},{% endif %}
  {% endfor %}
]`;
    const req = buildRequest(spec({ requestStructure: "JSON", webhookJson }), doc, ctx);
    const body = JSON.parse(req.body) as unknown[];
    expect(body).toHaveLength(3);
    expect(body[0]).toEqual({ item_code: "A", qty: 1 });
    expect(req.body.startsWith("[")).toBe(true);
    expect(req.body.endsWith("]")).toBe(true);
  });

  it.each(['say "hi"', "back\\slash", "two\nlines", "ünïcödé 😀", "</script><script>x</script>", "\u0007bell"])(
    "JSON structure stays valid for name %j",
    (name) => {
      const req = buildRequest(
        spec({ requestStructure: "JSON", webhookJson: '{"name": "{{ doc.name }}", "total": {{ doc.total }}}' }),
        { ...doc, name },
        ctx,
      );
      expect(JSON.parse(req.body)).toEqual({ name, total: 40000 });
      const blank = buildRequest(spec({ data: nameRow }), { ...doc, name }, ctx);
      expect(JSON.parse(blank.body)).toEqual({ name });
      const form = buildRequest(spec({ requestStructure: "Form URL-Encoded", data: nameRow }), { ...doc, name }, ctx);
      expect(new URLSearchParams(form.body).get("name")).toBe(name);
    },
  );

  it("reports invalid rendered JSON and template errors as RenderError", () => {
    expect(() => buildRequest(spec({ requestStructure: "JSON", webhookJson: '{"a": {{ doc.missing }}}' }), doc, ctx)).toThrow(
      /^Invalid JSON in rendered body: /,
    );
    expect(() => buildRequest(spec({ requestStructure: "JSON", webhookJson: '{"a": "{{ doc.name }"}' }), doc, ctx)).toThrow(
      /^Syntax error in template at line 1: /,
    );
    try {
      buildRequest(spec({ requestStructure: "JSON", webhookJson: '{\n"a": "{{ doc.title() }}"}' }), doc, ctx);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(RenderError);
      expect((err as RenderError).line).toBe(2);
      expect((err as RenderError).part).toBe("body");
    }
  });

  it("sends the rendered JSON text exactly, trimmed", () => {
    const req = buildRequest(spec({ requestStructure: "JSON", webhookJson: '\n  { "a" :  1 }  \n' }), doc, ctx);
    expect(req.body).toBe('{ "a" :  1 }');
  });

  it("wraps the document in an event envelope", () => {
    const whole = buildRequest(spec({ requestStructure: "Event Envelope" }), doc, ctx);
    expect(JSON.parse(whole.body)).toEqual({
      event_time: "2024-05-01T10:00:00.000Z",
      event_type: "Note.on_update",
      current_context: { user: "admin@example.com", doctype: "Note", name: "Note-0001", event_id: "evt-1" },
      data: doc,
    });
    const mapped = buildRequest(spec({ requestStructure: "Event Envelope", data: nameRow }), doc, ctx);
    expect((JSON.parse(mapped.body) as { data: unknown }).data).toEqual({ name: "Note-0001" });
    expect(mapped.headers["Content-Type"]).toBe("application/json");
  });
});

describe("URL", () => {
  it("renders a dynamic URL and keeps a literal one when the flag is off", () => {
    const requestUrl = "https://example.com/anything/{{ doc.doctype }}";
    expect(buildRequest(spec({ requestUrl, isDynamicUrl: true }), doc, ctx).url).toBe("https://example.com/anything/Note");
    expect(buildRequest(spec({ requestUrl, isDynamicUrl: false }), doc, ctx).url).toBe(requestUrl);
    expect(buildRequest(spec({ requestUrl: "  https://x.test/a  " }), doc, ctx).url).toBe("https://x.test/a");
  });

  it("reports URL template errors with part=url", () => {
    try {
      buildRequest(spec({ requestUrl: "https://x/{{ doc.constructor }}", isDynamicUrl: true }), doc, ctx);
      expect.unreachable();
    } catch (err) {
      expect((err as RenderError).part).toBe("url");
    }
  });
});

describe("signature header", () => {
  it("signs the exact body bytes with HMAC-SHA256 (base64)", () => {
    const secret = "top-secret-ü";
    for (const structure of ["", "Form URL-Encoded", "JSON", "Event Envelope"] as const) {
      const req = buildRequest(
        spec({
          requestStructure: structure,
          data: nameRow,
          webhookJson: '{"name": "{{ doc.name }}", "note": "ünï"}',
          enableSecurity: true,
          webhookSecret: secret,
        }),
        doc,
        ctx,
      );
      const expected = createHmac("sha256", secret).update(Buffer.from(req.body, "utf8")).digest("base64");
      expect(req.headers["X-Frappe-Webhook-Signature"]).toBe(expected);
    }
  });

  it("omits the Frappe signature for the standard scheme or without a secret", () => {
    const standard = buildRequest(spec({ data: nameRow, enableSecurity: true, webhookSecret: "s", signatureScheme: "standard" }), doc, ctx);
    expect(standard.headers["X-Frappe-Webhook-Signature"]).toBeUndefined();
    expect(standard.headers["webhook-signature"]).toBeUndefined();
    const noSecret = buildRequest(spec({ data: nameRow, enableSecurity: true }), doc, ctx);
    expect(noSecret.headers["X-Frappe-Webhook-Signature"]).toBeUndefined();
    const both = buildRequest(spec({ data: nameRow, enableSecurity: true, webhookSecret: "s", signatureScheme: "both" }), doc, ctx);
    expect(both.headers["X-Frappe-Webhook-Signature"]).toBeDefined();
  });
});

describe("prettyBody and toCurl", () => {
  it("pretty-prints JSON and decodes form bodies", () => {
    expect(prettyBody('{"a":[1,2]}', "application/json")).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}');
    expect(prettyBody("a=1&b=x+y%26z", "application/x-www-form-urlencoded")).toBe("a = 1\nb = x y&z");
    expect(prettyBody("not json")).toBe("not json");
    const req = buildRequest(spec({ data: nameRow }), doc, ctx);
    expect(prettyBody(req)).toBe('{\n  "name": "Note-0001"\n}');
  });

  it("builds a shell-safe curl command with masked secrets", () => {
    const req = buildRequest(
      spec({ data: [{ fieldname: "title", key: "t" }], apiKey: "abcdefghijklmnopqrstuvwxyz", enableSecurity: true, webhookSecret: "s" }),
      { ...doc, title: "it's" },
      ctx,
    );
    const curl = toCurl(req);
    expect(curl).toContain("curl -X POST 'https://example.com/hook'");
    expect(curl).toContain("-H 'X-API-Key: ***wxyz'");
    expect(curl).not.toContain("abcdefghijklmnopqrstuvwxyz");
    expect(curl).toContain(`--data-raw '{"t":"it'\\''s"}'`);
    expect(toCurl(req, false)).toContain("abcdefghijklmnopqrstuvwxyz");
  });
});
