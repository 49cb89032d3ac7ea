import { eq, sql } from "drizzle-orm";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DB } from "@/db";
import { delivery, docfield, doctype, document, event, user, webhookRequestLog } from "@/db/schema";
import { insertWebhook } from "@/lib/dispatcher/test-support";
import { createApiKeyUnchecked, createUserUnchecked } from "@/lib/services/user/users";
import type { Actor } from "@/lib/auth/roles";
import { freshDb, type FreshDb } from "@/test/db";
import { POST } from "@/app/api/events/route";
import { getStoredDocument } from "./event-log";
import { ingestEvents, parseEventsBody, type RoutingEntry } from "./events";

beforeAll(() => {
  process.env.WEBHOOK_DESK_ENCRYPTION_KEY = "events-test-key";
});

let t: FreshDb;
let db: DB;
let token = "";
const URL_ = "http://127.0.0.1:9/hook";

beforeEach(async () => {
  t = await freshDb();
  db = t.db;
  await createUserUnchecked(db, { name: "Administrator", email: "admin@example.com", password: "password123", roles: ["System Manager"] });
  const k = await createApiKeyUnchecked(db, "Administrator");
  token = `token ${k.key}:${k.secret}`;
});
afterEach(() => t.close());

const quotation = (name: string, extra: Record<string, unknown> = {}) => ({ name, status: "Open", grand_total: 100, ...extra });

function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return POST(
    new Request("http://localhost/api/events", {
      method: "POST",
      headers: { authorization: token, "content-type": "application/json", ...headers },
      body: text,
    }),
  );
}

const counts = async () => ({
  events: (await db.select({ n: sql<number>`count(*)` }).from(event))[0]?.n,
  logs: (await db.select({ n: sql<number>`count(*)` }).from(webhookRequestLog))[0]?.n,
  deliveries: (await db.select({ n: sql<number>`count(*)` }).from(delivery))[0]?.n,
  documents: (await db.select({ n: sql<number>`count(*)` }).from(document))[0]?.n,
});

const routingOf = async (id: string) => ((await db.select().from(event).where(eq(event.id, id)))[0]?.routing ?? []) as RoutingEntry[];

describe("POST /api/events", () => {
  it("accepts an event, stores it and queues a delivery (202)", async () => {
    await insertWebhook(db, { name: "Quotation hook", url: URL_ });
    const res = await post({ doctype: "Quotation", event: "on_update", doc: quotation("QTN-1"), user: "jane@host.example" });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { events: { id: string; deliveries: { webhook: string; request_log: string }[] }[] };
    expect(body.events).toHaveLength(1);
    const [ev] = body.events;
    expect(ev?.deliveries).toEqual([{ webhook: "Quotation hook", request_log: expect.any(String) }]);
    const log = (
      await db
        .select()
        .from(webhookRequestLog)
        .where(eq(webhookRequestLog.name, ev?.deliveries[0]?.request_log ?? ""))
    )[0];
    expect(log).toMatchObject({
      webhook: "Quotation hook",
      referenceDoctype: "Quotation",
      referenceDocument: "QTN-1",
      status: "Queued",
      user: "jane@host.example",
      url: URL_,
      attempts: 0,
    });
    expect(JSON.parse(log?.data ?? "")).toMatchObject({ name: "QTN-1", status: "Open" });
    const stored = (
      await db
        .select()
        .from(event)
        .where(eq(event.id, ev?.id ?? ""))
    )[0];
    expect(stored).toMatchObject({
      doctype: "Quotation",
      event: "on_update",
      docname: "QTN-1",
      user: "jane@host.example",
      postedBy: "Administrator",
    });
    const d = (await db.select().from(delivery))[0];
    expect(d).toMatchObject({
      log: log?.name,
      webhook: "Quotation hook",
      attempts: 0,
      maxRetries: 5,
      timeoutMs: 5000,
      sign: true,
      held: false,
    });
    expect(log).toMatchObject({ requestMethod: "POST", url: URL_ });
    expect(JSON.parse(log?.headers ?? "{}")["webhook-id"]).toBe(d?.id);
  });

  it("answers 401 without auth or with a wrong secret, 403 for a disabled user, and stores nothing", async () => {
    const before = await counts();
    const ok = { doctype: "Quotation", event: "on_update", doc: quotation("QTN-1") };
    expect(
      (
        await POST(
          new Request("http://x/api/events", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(ok) }),
        )
      ).status,
    ).toBe(401);
    expect((await post(ok, { authorization: token.replace(/:.*/, ":wrong") })).status).toBe(401);
    expect((await post(ok, { authorization: "Basic abc" })).status).toBe(401);
    await db.update(user).set({ enabled: false }).where(eq(user.name, "Administrator"));
    const res = await post(ok);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
    expect(await counts()).toEqual(before);
  });

  it("takes keys of System Managers and Event Publishers only; the event's user field changes nothing", async () => {
    await insertWebhook(db, { name: "h", url: URL_ });
    const keyOf = async (email: string, roles: string[]) => {
      await createUserUnchecked(db, { email, password: "password123", roles });
      const k = await createApiKeyUnchecked(db, email);
      return `token ${k.key}:${k.secret}`;
    };
    const publisher = await keyOf("publisher@example.com", ["Event Publisher"]);
    const nobody = await keyOf("nobody@example.com", []);
    const desk = await keyOf("desk@example.com", ["Desk User"]);
    const ev = (name: string) => ({ doctype: "Quotation", event: "on_update", doc: quotation(name), user: "Administrator" });

    const before = await counts();
    for (const auth of [nobody, desk]) {
      const res = await post(ev("QTN-X"), { authorization: auth });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/System Manager or Event Publisher/);
    }
    // a brand-new DocType is not registered by a refused key either
    expect((await post({ doctype: "Brand New", event: "on_update", doc: { name: "B-1" } }, { authorization: nobody })).status).toBe(403);
    expect(await counts()).toEqual(before);
    expect((await db.select().from(doctype).where(eq(doctype.name, "Brand New")))[0]).toBeUndefined();

    const ok = await post(ev("QTN-P"), { authorization: publisher });
    expect(ok.status).toBe(202);
    const stored = (await db.select().from(event).where(eq(event.postedBy, "publisher@example.com")))[0];
    expect(stored?.postedBy).toBe("publisher@example.com");
    expect(stored?.user).toBe("Administrator");
  });

  it("rejects bad input with 4xx and stores nothing", async () => {
    await insertWebhook(db, { name: "h", url: URL_ });
    const before = await counts();
    const cases: [unknown, Record<string, string>, number, RegExp?][] = [
      ["{not json", {}, 400, /not valid JSON/],
      [{ doctype: "Quotation", event: "on_update", doc: quotation("Q") }, { "content-type": "text/plain" }, 415],
      [{ doctype: "Quotation", event: "on_explode", doc: quotation("Q") }, {}, 400, /^event: must be one of after_insert, on_update/],
      [
        [
          { doctype: "Quotation", event: "on_update", doc: quotation("Q") },
          { doctype: 5, event: "on_update", doc: quotation("Q") },
        ],
        {},
        400,
        /^events\[1\]\.doctype: must be a string/,
      ],
      [[{ doctype: "Quotation", event: "on_update", doc: { status: "x" } }], {}, 400, /^events\[0\]\.doc\.name: is required/],
      [{ doctype: "Quotation", event: "on_update", doc: [] }, {}, 400, /^doc: must be an object/],
      [[], {}, 400, /at least one/],
      [
        Array.from({ length: 1001 }, (_, i) => ({ doctype: "Quotation", event: "on_update", doc: quotation(`Q${i}`) })),
        {},
        400,
        /at most 1000/,
      ],
      [{ doctype: "Quotation", event: "on_update", doc: quotation("Q") }, { "content-type": "application/json; boundary=x" }, 415],
      [{ doctype: "Quotation", event: "on_update", doc: quotation("Q") }, { "content-type": "application/jsonp" }, 415],
      [
        // 5,000 levels in ~10 KB: built as text, since JSON.stringify itself overflows on it.
        `[{"doctype":"Quotation","event":"on_update","doc":{"name":"Q"}},{"doctype":"Quotation","event":"on_update","doc":{"name":"Q","deep":${"[".repeat(5000)}${"]".repeat(5000)}}}]`,
        {},
        400,
        /^events\[1\]\.doc: nested deeper than 64 levels$/,
      ],
      ["x".repeat(1024 * 1024 + 1), {}, 413],
      [{ doctype: "Quotation", event: "on_update", doc: quotation("Q", { blob: "y".repeat(1024 * 1024) }) }, {}, 413],
    ];
    for (const [body, headers, status, message] of cases) {
      const res = await post(body, headers);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(status);
      const err = (await res.json()) as { error: { code: string; message: string } };
      expect(err.error.code).toBeTruthy();
      if (message) expect(err.error.message).toMatch(message);
    }
    expect(await counts()).toEqual(before);
  });

  it("answers 415 without a Content-Type, and accepts application/json with a charset", async () => {
    await insertWebhook(db, { name: "h", url: URL_ });
    const ok = { doctype: "Quotation", event: "on_update", doc: quotation("QTN-1") };
    // A byte body: fetch adds no Content-Type of its own.
    const bare = new Request("http://localhost/api/events", {
      method: "POST",
      headers: { authorization: token },
      body: new TextEncoder().encode(JSON.stringify(ok)),
    });
    expect(bare.headers.get("content-type")).toBeNull();
    const res = await POST(bare);
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect(await counts()).toMatchObject({ events: 0 });
    expect((await post(ok, { "content-type": "application/json; charset=utf-8" })).status).toBe(202);
    expect((await post({ ...ok, id: "e2" }, { "content-type": 'Application/JSON;charset="UTF-8"' })).status).toBe(202);
  });

  it("accepts a document nested exactly 64 levels deep", async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 63; i++) deep = { d: deep };
    const res = await post({ doctype: "Quotation", event: "on_update", doc: quotation("QTN-D", { deep }) });
    expect(res.status).toBe(202);
    expect(() => parseEventsBody({ doctype: "Quotation", event: "on_update", doc: quotation("Q", { deep: { d: deep } }) })).toThrow(
      /^doc: nested deeper than 64 levels$/,
    );
  });

  it("accepts a repeated id once and does not dispatch it twice", async () => {
    await insertWebhook(db, { name: "h", url: URL_ });
    const ev = { doctype: "Quotation", event: "on_update", doc: quotation("QTN-1"), id: "host-evt-1" };
    const a = (await (await post(ev)).json()) as { events: { id: string; deliveries: unknown[] }[] };
    const b = (await (await post([ev, { ...ev }])).json()) as { events: { id: string; deliveries: unknown[]; duplicate?: boolean }[] };
    expect(b.events.map((e) => e.id)).toEqual([a.events[0]?.id, a.events[0]?.id]);
    expect(b.events[0]?.duplicate).toBe(true);
    expect(b.events[0]?.deliveries).toEqual(a.events[0]?.deliveries);
    expect(await counts()).toMatchObject({ events: 1, deliveries: 1, logs: 1 });
  });

  it("stores one event for one new id posted by several requests at once, the others answered as duplicates", async () => {
    // A DocType nobody registered yet, so the requests also race to register it.
    const ev = { doctype: "Race Ticket", event: "on_update", doc: { name: "R-1", title: "x" }, id: "host-evt-race" };
    await insertWebhook(db, { name: "race", url: URL_, doctype: "Race Ticket" });
    const results = await Promise.all(Array.from({ length: 4 }, () => ingestEvents(db, { user: "Administrator" }, parseEventsBody(ev))));
    const ids = new Set(results.map((r) => r.events[0]?.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => !r.events[0]?.duplicate)).toHaveLength(1);
    expect(results.reduce((n, r) => n + r.queued, 0)).toBe(1);
    for (const r of results) expect(r.events[0]?.deliveries).toHaveLength(1);
    expect(await counts()).toMatchObject({ events: 1, deliveries: 1, logs: 1 });
    expect(await db.select().from(docfield).where(eq(docfield.parent, "Race Ticket"))).toHaveLength(1);
  });
});

describe("routing", () => {
  const actor = { user: "Administrator" };

  it("keeps only the last delivery per (webhook, document) within a request; on_change fires for all but after_insert", async () => {
    await insertWebhook(db, { name: "changes", url: URL_, docevent: "on_change" });
    const r = await ingestEvents(
      db,
      actor,
      parseEventsBody([
        { doctype: "Quotation", event: "after_insert", doc: quotation("Q1", { v: 1 }) },
        { doctype: "Quotation", event: "on_update", doc: quotation("Q1", { v: 2 }) },
        { doctype: "Quotation", event: "on_submit", doc: quotation("Q1", { v: 3 }) },
        { doctype: "Quotation", event: "on_update", doc: quotation("Q2") },
      ]),
    );
    expect(r.events.map((e) => e.deliveries.length)).toEqual([0, 0, 1, 1]);
    expect(await routingOf(r.events[0]?.id ?? "")).toEqual([{ webhook: "changes", matched: false, reason: "other_event" }]);
    expect((await routingOf(r.events[1]?.id ?? ""))[0]).toMatchObject({
      matched: true,
      reason: "superseded",
      superseded_by: r.events[2]?.id,
    });
    const logs = await db.select().from(webhookRequestLog);
    expect(logs).toHaveLength(2);
    const q1 = logs.find((l) => l.referenceDocument === "Q1");
    expect(JSON.parse(q1?.data ?? "{}").doc.v).toBe(3);
    expect(q1?.docEvent).toBe("on_submit");
    // The snapshot is the last one too.
    expect((await db.select().from(document).where(eq(document.name, "Q1")))[0]?.data).toMatchObject({ v: 3 });
  });

  it("matches webhook_events, records why others did not fire, and logs a condition error without blocking the rest", async () => {
    await insertWebhook(db, { name: "a-multi", url: URL_, events: ["on_submit", "on_cancel"] });
    await insertWebhook(db, { name: "b-disabled", url: URL_, enabled: false });
    await insertWebhook(db, { name: "c-cond-false", url: URL_, docevent: "on_submit", condition: 'doc.status == "Closed"' });
    await insertWebhook(db, { name: "d-cond-error", url: URL_, docevent: "on_submit", condition: "doc.grand_total > " });
    await insertWebhook(db, { name: "e-cond-true", url: URL_, docevent: "on_submit", condition: "doc.grand_total > 40" });
    const r = await ingestEvents(db, actor, parseEventsBody({ doctype: "Quotation", event: "on_submit", doc: quotation("Q1") }));
    expect(r.events[0]?.deliveries.map((d) => d.webhook)).toEqual(["a-multi", "e-cond-true"]);
    const routing = await routingOf(r.events[0]?.id ?? "");
    expect(routing.map((e) => [e.webhook, e.matched, e.reason])).toEqual([
      ["a-multi", true, undefined],
      ["b-disabled", false, "disabled"],
      ["c-cond-false", false, "condition_false"],
      ["d-cond-error", false, "condition_error"],
      ["e-cond-true", true, undefined],
    ]);
    expect(routing[2]?.values).toEqual({ "doc.status": "Open" });
    const errorLog = (
      await db
        .select()
        .from(webhookRequestLog)
        .where(eq(webhookRequestLog.name, routing[3]?.request_log ?? ""))
    )[0];
    expect(errorLog).toMatchObject({ status: "Error", webhook: "d-cond-error" });
    expect(errorLog?.error).toMatch(/condition/i);
    expect((await counts()).deliveries).toBe(2);
  });

  it("logs a render error and never queues it", async () => {
    await insertWebhook(db, { name: "bad-template", url: URL_, json: '{ "x": {{ doc.name | nosuchfilter }} }' });
    const r = await ingestEvents(db, actor, parseEventsBody({ doctype: "Quotation", event: "on_update", doc: quotation("Q1") }));
    expect(r.events[0]?.deliveries).toEqual([]);
    const routing = await routingOf(r.events[0]?.id ?? "");
    expect(routing[0]).toMatchObject({ matched: true, reason: "render_error" });
    const log = (await db.select().from(webhookRequestLog))[0];
    expect(log).toMatchObject({ status: "Error" });
    expect(log?.error).toMatch(/^Failed to compute request body/);
    expect((await counts()).deliveries).toBe(0);
  });

  it("marks a trashed document deleted and registers an unknown DocType with inferred fields", async () => {
    const doc = {
      name: "T-1",
      title: "Hello",
      count: 3,
      ratio: 0.5,
      done: true,
      due: "2026-01-02",
      meta: { a: 1 },
      lines: [
        { sku: "A", qty: 2 },
        { sku: "B", qty: 1, note: "x" },
      ],
    };
    await ingestEvents(db, actor, parseEventsBody({ doctype: "Ticket", event: "on_update", doc }));
    await ingestEvents(db, actor, parseEventsBody({ doctype: "Ticket", event: "on_trash", doc }));
    expect((await db.select().from(document).where(eq(document.name, "T-1")))[0]?.deleted).toBe(true);
    expect((await db.select().from(doctype).where(eq(doctype.name, "Ticket")))[0]).toMatchObject({
      inferred: true,
      module: "Custom",
      isChild: false,
    });
    const fields = Object.fromEntries(
      (await db.select().from(docfield).where(eq(docfield.parent, "Ticket"))).map((f) => [f.fieldname, [f.fieldtype, f.options]]),
    );
    expect(fields).toEqual({
      title: ["Data", null],
      count: ["Int", null],
      ratio: ["Float", null],
      done: ["Check", null],
      due: ["Date", null],
      meta: ["JSON", null],
      lines: ["Table", "Ticket Line"],
    });
    expect((await db.select().from(doctype).where(eq(doctype.name, "Ticket Line")))[0]?.isChild).toBe(true);
    // A submit event makes an inferred DocType submittable.
    await ingestEvents(db, actor, parseEventsBody({ doctype: "Ticket", event: "on_submit", doc }));
    expect((await db.select().from(doctype).where(eq(doctype.name, "Ticket")))[0]?.isSubmittable).toBe(true);
    expect((await db.select().from(docfield).where(eq(docfield.parent, "Ticket Line"))).map((f) => f.fieldname).sort()).toEqual([
      "note",
      "qty",
      "sku",
    ]);
  });
});

describe("stored document", () => {
  it("keeps the keys of a posted document in the order they were posted (PostgreSQL: json, not jsonb)", async () => {
    const admin: Actor = { user: "Administrator", fullName: "Administrator", roles: ["System Manager"], via: "session" };
    // Keys jsonb would sort (shorter first, then bytewise), at every level. `name` stays first:
    // parseEventsBody's schema puts the keys it knows before the rest, on either dialect.
    const doc = { name: "X", zeta_zeta: 1, alpha: 2, nested: { bb: 1, a: 2, items: [{ yy: 1, x: 2 }] } };
    await ingestEvents(db, { user: "Administrator" }, parseEventsBody({ doctype: "Note", event: "on_update", doc }));
    // What the stored-document page shows, and what a template iterating `doc` walks.
    const stored = await getStoredDocument(admin, "Note", "X");
    expect(stored.data).toBe(JSON.stringify({ ...doc, doctype: "Note" }));
    const [row] = await db.select({ data: document.data }).from(document).where(eq(document.name, "X"));
    expect(Object.keys(row?.data ?? {})).toEqual(["name", "zeta_zeta", "alpha", "nested", "doctype"]);
  });
});
