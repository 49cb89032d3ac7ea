// The awesomebar's search, on either dialect: what it finds, by what part of a name, and for whom.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Actor } from "@/lib/auth/roles";
import { insertWebhook } from "@/lib/dispatcher/test-support";
import { ingestEvents, parseEventsBody } from "@/lib/services/event/events";
import { createUserUnchecked } from "@/lib/services/user/users";
import { freshDb, type FreshDb } from "@/test/db";
import { searchDesk } from "./desk-search";

const admin: Actor = { user: "Administrator", fullName: "Administrator", roles: ["System Manager"], via: "session" };
const publisher: Actor = { user: "poster@example.com", fullName: "Poster", roles: ["Event Publisher"], via: "token" };

let t: FreshDb;
beforeAll(() => {
  process.env.WEBHOOK_DESK_ENCRYPTION_KEY = "desk-search-test-key";
});
beforeEach(async () => {
  t = await freshDb();
});
afterEach(async () => {
  await t.close();
});

const kinds = (rs: Awaited<ReturnType<typeof searchDesk>>) => rs.map((r) => `${r.kind}: ${r.label}`);

describe("searchDesk", () => {
  it("finds a document by the start of its name, typed in any case, leading to its Request Log", async () => {
    await insertWebhook(t.db, { name: "Quotation to CRM", url: "http://127.0.0.1:9/hook", doctype: "Quotation" });
    const posted = await ingestEvents(
      t.db,
      { user: "Administrator" },
      parseEventsBody([
        { doctype: "Quotation", event: "on_update", doc: { name: "ZQT-70001", status: "Draft" } },
        { doctype: "Quotation", event: "on_update", doc: { name: "ZQT-70002", status: "Draft" } },
        { doctype: "Quotation", event: "on_update", doc: { name: "SAL-0001", status: "Draft" } },
      ]),
    );
    const found = await searchDesk(admin, "zqt-7000", t.db);
    const docs = found.filter((r) => r.kind === "Document");
    expect(docs.map((d) => d.label)).toEqual(["ZQT-70001", "ZQT-70002"]);
    expect(docs[0]?.href).toBe("/app/webhook-request-log?reference_doctype=Quotation&reference_document=ZQT-70001");
    // A log entry by its own name, and an event by its id.
    const log = posted.events[0]?.deliveries[0]?.request_log ?? "";
    expect(kinds(await searchDesk(admin, log.slice(0, -3), t.db))).toContain(`Webhook Request Log: ${log}`);
    const id = posted.events[1]?.id ?? "";
    expect((await searchDesk(admin, id, t.db)).find((r) => r.kind === "Event")?.href).toBe(`/app/event/${id}`);
  });

  it("finds webhooks, DocTypes and users by any part of their name (or a user's email), case-insensitively", async () => {
    await insertWebhook(t.db, { name: "Quotation to CRM", url: "http://127.0.0.1:9/hook", doctype: "Quotation", enabled: false });
    await createUserUnchecked(t.db, { email: "ops@example.com", fullName: "Night Operator", password: "long-enough-pass" });
    const webhook = (await searchDesk(admin, "to crm", t.db)).find((r) => r.kind === "Webhook");
    expect(webhook).toMatchObject({
      label: "Quotation to CRM",
      description: "Quotation · Disabled",
      href: "/app/webhook/Quotation%20to%20CRM",
    });
    expect(kinds(await searchDesk(admin, "quotat", t.db))).toEqual(
      expect.arrayContaining(["Webhook: Quotation to CRM", "DocType: Quotation"]),
    );
    expect((await searchDesk(admin, "operator", t.db)).find((r) => r.kind === "User")?.href).toBe("/app/user/ops%40example.com");
    expect(await searchDesk(admin, "   ", t.db)).toEqual([]);
    // LIKE's wildcards are literal text here.
    expect(await searchDesk(admin, "%", t.db)).toEqual([]);
  });

  it("is for System Managers only", async () => {
    await expect(searchDesk(publisher, "QTN", t.db)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(searchDesk(null, "QTN", t.db)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});
