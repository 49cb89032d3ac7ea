// The Event list pages on the shared keyset helpers (../frappe-rest/keyset.ts): next and
// previous walk pages by (created, id), ties included, as the Request Log's do.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { event } from "@/db/schema";
import type { Actor } from "@/lib/auth/roles";
import { freshDb, type FreshDb } from "@/test/db";
import { errorOf } from "@/test/errors";
import { listEvents, type EventPage } from "./event-log";

const admin: Actor = { user: "Administrator", fullName: "Administrator", roles: ["System Manager"], via: "session" };

let t: FreshDb;
beforeEach(async () => {
  t = await freshDb();
});
afterEach(() => t.close());

describe("listEvents", () => {
  it("pages forward and back, newest first, ties broken by id", async () => {
    // 25 events, three to a millisecond: ties on `created` cross page boundaries.
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      const id = `ev_${String(i).padStart(3, "0")}`;
      ids.push(id);
      await t.db
        .insert(event)
        .values({ id, doctype: "Note", docname: `N-${i % 2}`, event: "on_update", created: 1_000 + Math.floor(i / 3) });
    }
    const newestFirst = [...ids].reverse();
    const idsOf = (p: EventPage) => p.rows.map((r) => r.id);

    const pages: EventPage[] = [await listEvents(admin, {}, { limit: 10 })];
    expect(pages[0]?.prev).toBeUndefined();
    for (let p = pages[0]; p?.next;) pages.push((p = await listEvents(admin, {}, { cursor: p.next, limit: 10 })));
    expect(pages.map((p) => p.rows.length)).toEqual([10, 10, 5]);
    expect(pages.flatMap(idsOf)).toEqual(newestFirst);
    expect(pages[2]?.next).toBeUndefined();

    // "previous" from the last page is the middle page, and from there the first page.
    const back = await listEvents(admin, {}, { cursor: pages[2]?.prev, limit: 10 });
    expect(idsOf(back)).toEqual(idsOf(pages[1] as EventPage));
    expect(back.next).toBeDefined();
    const first = await listEvents(admin, {}, { cursor: back.prev, limit: 10 });
    expect(idsOf(first)).toEqual(newestFirst.slice(0, 10));
    expect(first.prev).toBeUndefined();
    expect(first.next).toBeDefined();

    // Filters apply on every page.
    const filtered = await listEvents(admin, { docname: "N-1" }, { limit: 5 });
    expect(idsOf(filtered)).toEqual(newestFirst.filter((id) => Number(id.slice(3)) % 2 === 1).slice(0, 5));
    expect((await errorOf(() => listEvents(admin, {}, { cursor: "1000.ev_001" }))).code).toBe("BAD_REQUEST");
  });
});
