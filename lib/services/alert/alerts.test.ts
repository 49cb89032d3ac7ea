import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { alert } from "@/db/schema";
import { SYSTEM_MANAGER } from "@/lib/constants";
import { createUserUnchecked } from "@/lib/services/user/users";
import { freshDb, type FreshDb } from "@/test/db";
import { listAlerts, markAlertsRead } from "./alerts";

let t: FreshDb;
const admin = { user: "Administrator", fullName: "", roles: [SYSTEM_MANAGER], via: "session" as const };
const other = { user: "ops@example.test", fullName: "", roles: [SYSTEM_MANAGER], via: "session" as const };

beforeEach(async () => {
  t = await freshDb();
  await createUserUnchecked(t.db, {
    name: "Administrator",
    email: "admin@example.test",
    password: "a-long-password",
    roles: [SYSTEM_MANAGER],
  });
  await createUserUnchecked(t.db, { email: "ops@example.test", password: "a-long-password", roles: [SYSTEM_MANAGER] });
  const base = { webhook: "orders", message: "m", payload: "{}" };
  await t.db.insert(alert).values([
    { ...base, id: "a1", event: "webhook.failing", subject: "one", created: 1000 },
    { ...base, id: "a2", event: "webhook.disabled", subject: "two", created: 2000 },
  ]);
});
afterEach(() => t.close());

describe("the bell", () => {
  it("counts unread per System Manager; mark one and mark all as read", async () => {
    let r = await listAlerts(admin, {}, t.db);
    expect(r.unread).toBe(2);
    expect(r.alerts.map((a) => [a.id, a.read])).toEqual([
      ["a2", false],
      ["a1", false],
    ]);
    expect((await markAlertsRead(admin, { ids: ["a2"] }, t.db)).unread).toBe(1);
    r = await listAlerts(admin, {}, t.db);
    expect(r.alerts.find((a) => a.id === "a2")?.read).toBe(true);
    // Another System Manager's reads are their own.
    expect((await listAlerts(other, {}, t.db)).unread).toBe(2);
    expect((await markAlertsRead(admin, { all: true }, t.db)).unread).toBe(0);
    expect((await markAlertsRead(admin, { all: true }, t.db)).unread).toBe(0);
    expect((await listAlerts(other, {}, t.db)).unread).toBe(2);
  });

  it("refuses other roles and an empty request", async () => {
    await expect(listAlerts({ ...admin, roles: [] }, {}, t.db)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(markAlertsRead(admin, {}, t.db)).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
  });
});
