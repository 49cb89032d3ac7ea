// The lists' "contains" text filters share containsCi (./keyset.ts): any case, and LIKE's
// wildcards in what was typed match only themselves, the same on both dialects.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { activityLog, doctype, document } from "@/db/schema";
import type { Actor } from "@/lib/auth/roles";
import { freshDb, type FreshDb } from "@/test/db";
import { listDoctypes } from "../doctype/doctypes";
import { listActivity } from "../user/activity-log";
import { createWebhook, listWebhooks, searchDocuments } from "../webhook/webhooks";

beforeAll(() => {
  process.env.WEBHOOK_DESK_ENCRYPTION_KEY = "contains-ci-test-key";
});

const admin: Actor = { user: "Administrator", fullName: "Administrator", roles: ["System Manager"], via: "session" };
const NAMES = ["50%_Off", "500 off", "a\\b", "ab"];

let t: FreshDb;
beforeEach(async () => {
  t = await freshDb();
});
afterEach(() => t.close());

describe("containsCi", () => {
  it("the Webhook list's search", async () => {
    // A webhook name cannot hold a backslash.
    for (const name of NAMES.filter((n) => !n.includes("\\")))
      await createWebhook(admin, { name, webhook_doctype: "Note", webhook_docevent: "on_update", request_url: "https://example.com/h" });
    const found = async (q: string) => (await listWebhooks(admin, { q })).data.map((w) => w.name).sort();
    expect(await found("%_o")).toEqual(["50%_Off"]);
    expect(await found("0%")).toEqual(["50%_Off"]);
    expect(await found("_")).toEqual(["50%_Off"]);
    expect(await found("OFF")).toEqual(["50%_Off", "500 off"]);
  });

  it("the DocType list's search", async () => {
    for (const name of NAMES) await t.db.insert(doctype).values({ name: `DT ${name}`, module: "Test", created: 1, modified: 1 });
    const found = async (search: string) => (await listDoctypes(admin, { search })).map((d) => d.name).sort();
    expect(await found("%_o")).toEqual(["DT 50%_Off"]);
    expect(await found("dt 5")).toEqual(["DT 50%_Off", "DT 500 off"]);
  });

  it("the document search of the preview", async () => {
    for (const name of NAMES) await t.db.insert(document).values({ doctype: "Note", name, data: { name }, modified: 1 });
    const found = async (q: string) => (await searchDocuments(admin, "Note", q)).map((d) => d.name).sort();
    expect(await found("%_O")).toEqual(["50%_Off"]);
    expect(await found("\\")).toEqual(["a\\b"]);
    expect(await found("B")).toEqual(["a\\b", "ab"]);
  });

  it("the Activity Log's subject filter", async () => {
    for (const [i, name] of NAMES.entries())
      await t.db
        .insert(activityLog)
        .values({ at: 1000 + i, operation: "Webhook Saved", actor: "Administrator", subject: `Webhook/${name}` });
    const found = async (subject: string) => (await listActivity(admin, { subject })).rows.map((r) => r.subject).sort();
    expect(await found("%_o")).toEqual(["Webhook/50%_Off"]);
    expect(await found("\\")).toEqual(["Webhook/a\\b"]);
  });
});
