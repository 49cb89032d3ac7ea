import { eq } from "drizzle-orm";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DB } from "@/db";
import { activityLog, document, version, webhook } from "@/db/schema";
import type { Actor } from "@/lib/auth/roles";
import { decryptSecret } from "@/lib/crypto/secret-box";
import { freshDb, type FreshDb } from "@/test/db";
import { errorOf } from "@/test/errors";
import { rotateWebhookSecret } from "./webhook-secret";
import { webhooksFor } from "@/lib/delivery";
import { parseFrappeFilters } from "../frappe-rest/adapter";
import {
  createWebhook,
  deleteWebhook,
  doctypeFieldOptions,
  getWebhook,
  listVersions,
  listWebhooks,
  previewWebhook,
  searchDocuments,
  updateWebhook,
} from "./webhooks";

beforeAll(() => {
  process.env.WEBHOOK_DESK_ENCRYPTION_KEY = "webhooks-test-key";
});

const admin: Actor = { user: "Administrator", fullName: "Administrator", roles: ["System Manager"], via: "session" };
const deskUser: Actor = { user: "someone@example.com", fullName: "", roles: ["Desk User"], via: "session" };

let t: FreshDb;
let db: DB;
let n = 0;
beforeEach(async () => {
  t = await freshDb();
  db = t.db;
});
afterEach(() => t.close());

const hook = (extra: Record<string, unknown> = {}) => ({
  name: `hook-${++n}`,
  webhook_doctype: "Quotation",
  webhook_docevent: "on_update",
  request_url: "https://example.com/hook",
  ...extra,
});

describe("roles", () => {
  it("requires a System Manager for every verb", async () => {
    expect((await errorOf(() => listWebhooks(deskUser))).code).toBe("FORBIDDEN");
    expect((await errorOf(() => createWebhook(deskUser, hook()))).code).toBe("FORBIDDEN");
    expect((await errorOf(() => getWebhook(null, "x"))).code).toBe("UNAUTHORIZED");
    await expect(previewWebhook(deskUser, hook(), "QTN-00001")).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});

describe("createWebhook / getWebhook", () => {
  it("stores the webhook with its child tables and Frappe's defaults", async () => {
    const doc = await createWebhook(
      admin,
      hook({ webhook_headers: [{ key: "X-Token", value: "abc" }], webhook_data: [{ fieldname: "name", key: "id" }] }),
    );
    expect(doc).toMatchObject({
      enabled: true,
      timeout: 5,
      request_method: "POST",
      request_structure: "",
      background_jobs_queue: "default",
      owner: "Administrator",
    });
    expect((await getWebhook(admin, doc.name)).webhook_headers).toEqual([{ key: "X-Token", value: "abc" }]);
    expect((await getWebhook(admin, doc.name)).webhook_data).toEqual([{ fieldname: "name", key: "id" }]);
  });

  it("accepts Frappe JSON: 0/1 checks, numeric strings and underscore-less aliases", async () => {
    const doc = await createWebhook(admin, hook({ enabled: 0, isdynamicurl: 0, timeout: "12", backgroundjobsqueue: "long" }));
    expect(doc).toMatchObject({ enabled: false, is_dynamic_url: false, timeout: 12, background_jobs_queue: "long" });
  });

  it("answers 409 at the name field for a duplicate", async () => {
    const first = await createWebhook(admin, hook());
    const err = await errorOf(() => createWebhook(admin, hook({ name: first.name })));
    expect(err.code).toBe("CONFLICT");
    expect(err.message).toBe(`Webhook ${first.name} already exists`);
    expect(err.fields).toEqual({ name: `Webhook ${first.name} already exists` });
  });

  it("encrypts the secret and never returns it", async () => {
    const doc = await createWebhook(admin, hook({ enable_security: 1, webhook_secret: "s3cret-value" }));
    expect(doc.has_webhook_secret).toBe(true);
    expect(JSON.stringify(doc)).not.toContain("s3cret-value");
    const [row] = await db.select().from(webhook).where(eq(webhook.name, doc.name));
    expect(row?.webhookSecret).not.toContain("s3cret-value");
    expect(decryptSecret(row?.webhookSecret)).toBe("s3cret-value");
  });

  it("drops the cached specs so the dispatcher sees the new webhook at once", async () => {
    expect(await webhooksFor(db, "Quotation")).toHaveLength(0);
    await createWebhook(admin, hook());
    expect(await webhooksFor(db, "Quotation", { skipCheck: true })).toHaveLength(1);
  });
});

describe("Frappe's validations", () => {
  const rule = (extra: Record<string, unknown>) => errorOf(() => createWebhook(admin, hook(extra)));

  it("1. submit events need a submittable DocType", async () => {
    const err = await rule({ webhook_doctype: "Note", webhook_docevent: "on_submit" });
    expect(err.code).toBe("VALIDATION_ERROR");
    expect(err.message).toBe("DocType must be Submittable for the selected Doc Event");
    expect(err.fields).toMatchObject({ webhook_docevent: "DocType must be Submittable for the selected Doc Event" });
    expect((await createWebhook(admin, hook({ webhook_docevent: "on_submit" }))).webhook_docevent).toBe("on_submit");
  });

  it("2. a condition must parse; a valid one is not evaluated against a blank doc (frappe#27449)", async () => {
    const err = await rule({ condition: "doc.status ==" });
    expect(err.message).toMatch(/^Invalid Condition: /);
    expect(err.fields?.condition).toBe(err.message);
    expect((await createWebhook(admin, hook({ condition: "doc.total > 40000" }))).condition).toBe("doc.total > 40000");
    expect((await createWebhook(admin, hook({ condition: "doc.due_date==nowdate()" }))).condition).toBe("doc.due_date==nowdate()");
  });

  it("3. the Request URL needs a host; a dynamic one must render to one", async () => {
    for (const url of ["example.com/hook", "localhost:8000/x", "http://", "https:///hook", "not a url"]) {
      expect((await rule({ request_url: url })).fields).toEqual({ request_url: "Check Request URL" });
    }
    expect((await rule({ is_dynamic_url: 1, request_url: "{{ doc.name }}" })).message).toBe("Check Request URL");
    expect((await rule({ is_dynamic_url: 1, request_url: "https://x.test/{{ doc.name" })).message).toMatch(
      /^Check Request URL: Syntax error in template at line 1: /,
    );
    expect((await createWebhook(admin, hook({ is_dynamic_url: 1, request_url: "https://x.test/q/{{ doc.name }}" }))).is_dynamic_url).toBe(
      true,
    );
  });

  describe("3b. a dynamic URL is rendered against a real document when there is one (frappe#27449)", () => {
    const note = (name: string, data: Record<string, unknown>, modified: number) =>
      db.insert(document).values({ doctype: "Note", name, data: { doctype: "Note", name, ...data }, modified });
    const noteHook = (request_url: string, extra: Record<string, unknown> = {}) =>
      hook({ webhook_doctype: "Note", is_dynamic_url: 1, request_url, ...extra });

    it("uses the newest stored document of the DocType", async () => {
      await note("Hooked", { url: "https://hooks.example/n", base: "https://hooks.example" }, Date.now() + 60_000);
      expect((await createWebhook(admin, noteHook("{{ doc.url }}"))).request_url).toBe("{{ doc.url }}");
      expect((await createWebhook(admin, noteHook("{{ doc.base }}/hook"))).request_url).toBe("{{ doc.base }}/hook");
      expect((await errorOf(() => createWebhook(admin, noteHook("{{ doc.title }}")))).fields).toEqual({ request_url: "Check Request URL" });
    });

    it("prefers the Preview Document", async () => {
      await note("Hooked", { url: "https://hooks.example/n" }, Date.now() + 60_000);
      const withPreview = (url: string, preview: string) => () => createWebhook(admin, noteHook(url, { preview_document: preview }));
      expect((await errorOf(withPreview("{{ doc.url }}", "Quarterly targets"))).message).toBe("Check Request URL");
      expect((await withPreview("https://x.test/{{ doc.title }}", "Quarterly targets")()).request_url).toBe(
        "https://x.test/{{ doc.title }}",
      );
      expect((await withPreview("{{ doc.url }}", "Hooked")()).request_url).toBe("{{ doc.url }}");
      // An unknown preview name falls back to the newest document.
      expect((await withPreview("{{ doc.url }}", "No such note")()).request_url).toBe("{{ doc.url }}");
    });

    it("without stored documents, rejects only a blank render that has a scheme but no host", async () => {
      await db.update(document).set({ deleted: true }).where(eq(document.doctype, "Note"));
      for (const url of ["{{ doc.url }}", "{{ doc.base }}/hook", "https://x.test/{{ doc.name }}", "{{ doc.items[0].url }}"]) {
        expect((await createWebhook(admin, noteHook(url))).request_url).toBe(url);
      }
      for (const url of [
        "https://{{ doc.host }}",
        "https://{{ doc.host }}/hook",
        "ftp://{{ doc.host }}x.test",
        "localhost:8000/{{ doc.name }}",
      ]) {
        expect((await errorOf(() => createWebhook(admin, noteHook(url)))).fields).toEqual({ request_url: "Check Request URL" });
      }
    });

    it("keeps the strict check for a static URL", async () => {
      await db.update(document).set({ deleted: true }).where(eq(document.doctype, "Note"));
      expect((await errorOf(() => createWebhook(admin, hook({ webhook_doctype: "Note", request_url: "{{ doc.url }}" })))).message).toBe(
        "Check Request URL",
      );
    });
  });

  it("4. JSON keeps only the template, which must compile; Form keeps only the Data table", async () => {
    const err = await rule({ request_structure: "JSON", webhook_json: '{\n  "id": "{{ doc.name }}",\n  "x": {% if %}\n}' });
    expect(err.message).toMatch(/^Syntax error in template at line 3: /);
    expect(err.fields?.webhook_json).toBe(err.message);
    const json = await createWebhook(
      admin,
      hook({ request_structure: "JSON", webhook_json: '{"id": "{{ doc.name }}"}', webhook_data: [{ fieldname: "name", key: "id" }] }),
    );
    expect(json.webhook_data).toEqual([]);
    const form = await createWebhook(
      admin,
      hook({ request_structure: "Form URL-Encoded", webhook_json: "{}", webhook_data: [{ fieldname: "name", key: "id" }] }),
    );
    expect(form.webhook_json).toBe("");
    expect(form.webhook_data).toHaveLength(1);
  });

  it("5. the same Fieldname twice in Data", async () => {
    const err = await rule({
      webhook_data: [
        { fieldname: "name", key: "a" },
        { fieldname: "name", key: "b" },
      ],
    });
    expect(err.message).toBe("Same Field is entered more than once");
    expect(err.fields).toMatchObject({ webhook_data: "Same Field is entered more than once" });
  });

  it("6. security needs a secret", async () => {
    expect((await rule({ enable_security: true })).fields).toEqual({ webhook_secret: "Invalid Webhook Secret" });
    expect((await rule({ enable_security: true, webhook_secret: "  " })).message).toBe("Invalid Webhook Secret");
  });

  it("7. DocType and Doc Event are required; the timeout is a positive number of seconds", async () => {
    expect((await rule({ webhook_doctype: "" })).fields).toMatchObject({ webhook_doctype: "DocType is required" });
    expect((await rule({ webhook_docevent: undefined })).fields).toMatchObject({ webhook_docevent: "Doc Event is required" });
    expect((await rule({ webhook_docevent: "on_save" })).message).toMatch(/^Doc Event must be one of after_insert, on_update/);
    expect((await rule({ request_url: "" })).fields).toMatchObject({ request_url: "Check Request URL" });
    expect((await rule({ timeout: 0 })).fields).toMatchObject({ timeout: "Request Timeout must be a positive number of seconds" });
    expect((await rule({ timeout: "abc" })).fields).toMatchObject({ timeout: "Request Timeout must be a positive number of seconds" });
    expect((await rule({ webhook_doctype: "Nope" })).message).toBe("Could not find DocType: Nope");
  });

  it("Max Requests per Second: blank is no limit, decimals are kept, zero, negative or text fail at the field", async () => {
    const rate = "Max Requests per Second must be a positive number (blank: no limit)";
    for (const bad of [0, -1, "0", "-2.5", "fast"])
      expect((await rule({ max_requests_per_second: bad })).fields).toEqual({ max_requests_per_second: rate });
    expect((await rule({ max_requests_per_second: 20_000 })).fields).toEqual({
      max_requests_per_second: "Max Requests per Second must be at most 10000",
    });
    expect((await createWebhook(admin, hook(), db)).max_requests_per_second).toBeNull();
    expect((await createWebhook(admin, hook({ max_requests_per_second: "" }), db)).max_requests_per_second).toBeNull();
    const saved = await createWebhook(admin, hook({ max_requests_per_second: "0.5" }), db);
    expect(saved.max_requests_per_second).toBe(0.5);
    expect((await updateWebhook(admin, saved.name, { max_requests_per_second: 50 }, db)).max_requests_per_second).toBe(50);
    expect((await updateWebhook(admin, saved.name, { timeout: 7 }, db)).max_requests_per_second).toBe(50);
    expect((await updateWebhook(admin, saved.name, { max_requests_per_second: null }, db)).max_requests_per_second).toBeNull();
  });

  it("Send in Order per Document: a check (0/1 as Frappe sends it), off by default, kept across other edits", async () => {
    const saved = await createWebhook(admin, hook(), db);
    expect(saved.send_in_order).toBe(false);
    expect((await updateWebhook(admin, saved.name, { send_in_order: 1 }, db)).send_in_order).toBe(true);
    expect((await updateWebhook(admin, saved.name, { timeout: 7 }, db)).send_in_order).toBe(true);
    expect((await updateWebhook(admin, saved.name, { send_in_order: "0" }, db)).send_in_order).toBe(false);
  });

  it("collects every failing rule, each at its field, the message being the first", async () => {
    const err = await rule({ webhook_doctype: "ToDo", webhook_docevent: "on_cancel", request_url: "nohost", enable_security: 1 });
    expect(err.message).toBe("DocType must be Submittable for the selected Doc Event");
    expect(Object.keys(err.fields ?? {})).toEqual(["webhook_docevent", "request_url", "webhook_secret"]);
  });
});

describe("updateWebhook", () => {
  it("applies only the fields sent and keeps, replaces or clears the secret", async () => {
    const { name } = await createWebhook(
      admin,
      hook({ enable_security: 1, webhook_secret: "first", webhook_headers: [{ key: "A", value: "1" }] }),
    );
    const stored = async () => (await db.select().from(webhook).where(eq(webhook.name, name)))[0];

    expect(await updateWebhook(admin, name, { enabled: 0 })).toMatchObject({
      enabled: false,
      has_webhook_secret: true,
      webhook_headers: [{ key: "A", value: "1" }],
    });
    expect(decryptSecret((await stored())?.webhookSecret)).toBe("first");
    await updateWebhook(admin, name, { webhook_secret: "*****" }); // echoed back from a GET: keep
    expect(decryptSecret((await stored())?.webhookSecret)).toBe("first");
    await updateWebhook(admin, name, { webhook_secret: "second" });
    expect(decryptSecret((await stored())?.webhookSecret)).toBe("second");
    expect((await updateWebhook(admin, name, { enable_security: 0, webhook_secret: "" })).has_webhook_secret).toBe(false);
  });

  it("404s for an unknown webhook and cannot rename", async () => {
    expect((await errorOf(() => updateWebhook(admin, "missing", { enabled: 0 }))).code).toBe("NOT_FOUND");
    const { name } = await createWebhook(admin, hook());
    expect((await updateWebhook(admin, name, { name: "other" })).name).toBe(name);
  });

  it("writes a version with the changed fields, secrets redacted", async () => {
    const { name } = await createWebhook(admin, hook({ enable_security: 1, webhook_secret: "first" }));
    await updateWebhook(admin, name, {
      request_url: "https://example.com/v2",
      webhook_secret: "second",
      webhook_headers: [{ key: "Authorization", value: "Bearer xyz" }],
    });
    await updateWebhook(admin, name, { request_url: "https://example.com/v2" }); // no change, no version
    const versions = await listVersions(admin, name);
    expect(versions).toHaveLength(1);
    expect(versions[0]?.data.changed).toEqual([
      ["request_url", "https://example.com/hook", "https://example.com/v2"],
      ["webhook_secret", "***", "***"],
    ]);
    expect(versions[0]?.data.added).toEqual([["webhook_headers", { key: "Authorization", value: "***" }]]);
    expect(JSON.stringify(versions)).not.toMatch(/second|first|xyz/);
  });
});

describe("Activity Log", () => {
  const fromDesk: Actor = { ...admin, ip: "10.9.8.7" };
  const entries = () => db.select().from(activityLog).orderBy(activityLog.id);
  const ops = async () => (await entries()).map((r) => `${r.operation}: ${r.detail}`);

  it("records secrets and API keys set, replaced, cleared and rotated: who, where, never the value", async () => {
    const { name } = await createWebhook(fromDesk, hook({ enable_security: 1, webhook_secret: "first-s3cret", api_key: "key-value-1" }));
    expect(await entries()).toEqual([
      expect.objectContaining({
        operation: "Webhook Secret Set",
        actor: "Administrator",
        ip: "10.9.8.7",
        subject: `Webhook/${name}`,
        detail: "Webhook Secret set",
      }),
      expect.objectContaining({
        operation: "Webhook API Key Set",
        actor: "Administrator",
        ip: "10.9.8.7",
        subject: `Webhook/${name}`,
        detail: "API Key set",
      }),
    ]);
    await updateWebhook(fromDesk, name, { enabled: 0 });
    await updateWebhook(fromDesk, name, { webhook_secret: "*****" }); // echoed back from a GET: kept, not set
    expect(await entries()).toHaveLength(2);
    await updateWebhook(fromDesk, name, { webhook_secret: "second-s3cret", api_key: "key-value-2" });
    const rotated = await rotateWebhookSecret(fromDesk, name);
    await rotateWebhookSecret(fromDesk, name, { new_secret: "chosen-s3cret" });
    await updateWebhook(fromDesk, name, { enable_security: 0, webhook_secret: "", api_key: "" });
    expect((await ops()).slice(2)).toEqual([
      "Webhook Secret Set: Webhook Secret replaced",
      "Webhook API Key Set: API Key replaced",
      "Webhook Secret Rotated: The previous secret keeps signing for 24 hours",
      "Webhook Secret Rotated: The previous secret keeps signing for 24 hours",
      "Webhook Secret Set: Webhook Secret cleared",
      "Webhook API Key Set: API Key cleared",
    ]);
    const all = JSON.stringify(await entries());
    for (const secret of ["first-s3cret", "second-s3cret", "chosen-s3cret", rotated.secret, "key-value-1", "key-value-2"])
      expect(all).not.toContain(secret);
  });

  it("writes nothing when the change itself fails (one transaction)", async () => {
    const { name } = await createWebhook(fromDesk, hook());
    expect((await errorOf(() => updateWebhook(fromDesk, name, { api_key: "never-saved", timeout: -1 }))).code).toBe("VALIDATION_ERROR");
    expect((await errorOf(() => rotateWebhookSecret(fromDesk, name))).code).toBe("CONFLICT"); // security is off
    expect(
      (await errorOf(() => createWebhook(fromDesk, hook({ enable_security: 1, webhook_secret: "x", webhook_docevent: "bogus" })))).code,
    ).toBe("VALIDATION_ERROR");
    expect(await entries()).toEqual([]);
  });
});

describe("listWebhooks / deleteWebhook", () => {
  it("filters (simple and Frappe), searches and pages", async () => {
    await createWebhook(admin, hook({ name: "alpha", webhook_doctype: "Note", request_url: "https://a.test/x" }));
    await createWebhook(admin, hook({ name: "beta", enabled: false }));
    await createWebhook(admin, hook({ name: "gamma" }));
    const names = async (q: Parameters<typeof listWebhooks>[1]) => (await listWebhooks(admin, q)).data.map((w) => w.name).sort();
    expect(await names({ filters: [["webhook_doctype", "=", "Note"]] })).toEqual(["alpha"]);
    expect(await names({ filters: parseFrappeFilters('[["Webhook","enabled","=",0]]') })).toEqual(["beta"]);
    expect(await names({ filters: parseFrappeFilters('{"name": ["in", ["alpha", "gamma"]]}') })).toEqual(["alpha", "gamma"]);
    expect(await names({ filters: parseFrappeFilters('[["name","like","%mm%"]]') })).toEqual(["gamma"]);
    expect(await names({ q: "a.test" })).toEqual(["alpha"]);
    expect((await listWebhooks(admin, { limit: 2, orderBy: "name asc" })).data.map((w) => w.name)).toEqual(["alpha", "beta"]);
    expect(await listWebhooks(admin, { limit: 2, offset: 2, orderBy: "name asc" })).toMatchObject({ total: 3, data: [{ name: "gamma" }] });
    expect((await errorOf(() => listWebhooks(admin, { filters: [["webhook_secret", "=", "x"]] }))).code).toBe("BAD_REQUEST");
  });

  it("deletes the webhook, its rows and its history", async () => {
    const { name } = await createWebhook(admin, hook({ webhook_headers: [{ key: "A", value: "1" }] }));
    await updateWebhook(admin, name, { timeout: 9 });
    await deleteWebhook(admin, name);
    expect((await errorOf(() => getWebhook(admin, name))).code).toBe("NOT_FOUND");
    expect(await db.select().from(version).where(eq(version.docname, name))).toHaveLength(0);
    expect((await errorOf(() => deleteWebhook(admin, name))).code).toBe("NOT_FOUND");
  });
});

describe("previewWebhook", () => {
  const unsaved = (extra: Record<string, unknown> = {}) => hook({ name: "", ...extra });

  it("asks for a document first", async () => {
    expect(await previewWebhook(admin, unsaved(), "")).toMatchObject({
      meets_condition: "Select a document to check if it meets conditions.",
      request_body: "Select a document to preview request data",
    });
  });

  it("evaluates the condition and renders the exact body of the unsaved form", async () => {
    const p = await previewWebhook(
      admin,
      unsaved({
        condition: 'doc.status=="Open"',
        request_structure: "JSON",
        webhook_json: '{"id": "{{ doc.name }}", "total": {{ doc.total }}}',
      }),
      "QTN-00003",
    );
    expect(p.meets_condition).toBe("Yes");
    expect(JSON.parse(p.request_body)).toEqual({ id: "QTN-00003", total: 49000 });
    expect(p.request_body).toContain("\n"); // pretty-printed
    expect(p).toMatchObject({ url: "https://example.com/hook", method: "POST" });
    expect(p.curl).toContain("curl -X POST");
    expect((await previewWebhook(admin, unsaved({ condition: "doc.total > 40000" }), "QTN-00002")).meets_condition).toBe("No");
  });

  it("reports failures in Frappe's words", async () => {
    expect((await previewWebhook(admin, unsaved({ condition: "doc.total >" }), "QTN-00001")).meets_condition).toMatch(
      /^Failed to evaluate conditions: /,
    );
    const bad = await previewWebhook(admin, unsaved({ request_structure: "JSON", webhook_json: '{\n"a": {{ doc.name }\n}' }), "QTN-00001");
    expect(bad.request_body).toMatch(/^Failed to compute request body: /);
    expect(bad.template_error).toMatchObject({ line: 2, column: 18 }); // the lone "}"
    const notJson = await previewWebhook(
      admin,
      unsaved({ request_structure: "JSON", webhook_json: '{"id": {{ doc.name }}}' }),
      "QTN-00001",
    );
    expect(notJson.error).toMatch(/^Invalid JSON in rendered body: /);
  });

  it("signs with the stored secret and masks it", async () => {
    const { name } = await createWebhook(admin, hook({ enable_security: 1, webhook_secret: "super-secret-value-123" }));
    const p = await previewWebhook(admin, { ...(await getWebhook(admin, name)), condition: "" }, "QTN-00001", name);
    expect(p.headers["X-Frappe-Webhook-Signature"]).toMatch(/^\*\*\*/);
    expect(JSON.stringify(p)).not.toContain("super-secret-value-123");
  });
});

describe("lookups", () => {
  it("offers Name first, then the DocType's fields as Label (Fieldtype), tables included", async () => {
    const options = await doctypeFieldOptions(admin, "Quotation");
    expect(options[0]).toEqual({ value: "name", label: "Name (Doc Name)" });
    expect(options).toContainEqual({ value: "items", label: "Items (Table)" });
    expect(options).toContainEqual({ value: "status", label: "Status (Select)" });
    expect(options).toContainEqual({ value: "items.item_code", label: "Items › Item Code (Link)" });
    const p = await previewWebhook(
      admin,
      hook({
        name: "",
        webhook_data: [
          { fieldname: "name", key: "id" },
          { fieldname: "items.item_code", key: "codes" },
        ],
      }),
      "QTN-00002",
    );
    expect(JSON.parse(p.request_body)).toEqual({ id: "QTN-00002", codes: ["LAPTOP-14", "DOCK-USB-C", "MONITOR-27"] });
  });

  it("searches stored documents of a DocType", async () => {
    expect((await searchDocuments(admin, "Quotation", "0002")).map((d) => d.name)).toEqual(["QTN-00002"]);
    expect((await searchDocuments(admin, "Note")).map((d) => d.name).sort()).toEqual(["Holiday schedule", "Quarterly targets"]);
  });
});

describe("set only once", () => {
  it("refuses a new DocType or Doc Event after saving, at the field, and takes the stored values back", async () => {
    const { name } = await createWebhook(admin, hook({ webhook_doctype: "Note" }));
    const doctype = await errorOf(() => updateWebhook(admin, name, { webhook_doctype: "ToDo" }));
    expect(doctype).toMatchObject({ code: "VALIDATION_ERROR", message: "Cannot change DocType after saving" });
    expect(doctype.fields).toEqual({ webhook_doctype: "Cannot change DocType after saving" });
    const event = await errorOf(() => updateWebhook(admin, name, { webhook_docevent: "after_insert" }));
    expect(event).toMatchObject({ code: "VALIDATION_ERROR", message: "Cannot change Doc Event after saving" });
    expect(event.fields).toEqual({ webhook_docevent: "Cannot change Doc Event after saving" });
    const both = await errorOf(() => updateWebhook(admin, name, { webhook_doctype: "ToDo", webhook_docevent: "on_trash" }));
    expect(both.fields).toEqual({
      webhook_doctype: "Cannot change DocType after saving",
      webhook_docevent: "Cannot change Doc Event after saving",
    });
    expect(await getWebhook(admin, name)).toMatchObject({ webhook_doctype: "Note", webhook_docevent: "on_update" });

    // A client echoing the GET body back (same DocType and Doc Event) saves as before.
    const echoed = await updateWebhook(admin, name, { ...(await getWebhook(admin, name)), timeout: 7 });
    expect(echoed).toMatchObject({ webhook_doctype: "Note", webhook_docevent: "on_update", timeout: 7 });
    // Webhook Events (extra events) stay editable.
    const more = await updateWebhook(admin, name, { webhook_events: ["after_insert"] });
    expect(more.webhook_events).toEqual(["on_update", "after_insert"]);
  });
});
