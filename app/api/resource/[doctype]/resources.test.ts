import { NextRequest } from "next/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { activityLog } from "@/db/schema";
import { ACTIVITY } from "@/lib/auth/activity";
import type { Actor } from "@/lib/auth/roles";
import { AppError } from "@/lib/errors";
import { freshDb, type FreshDb } from "@/test/db";
import { resourceFor } from "./resources";

const admin: Actor = { user: "Administrator", fullName: "Administrator", roles: ["System Manager"], via: "token" };
const AT = Date.UTC(2026, 2, 10, 12, 0, 0, 123);

let env: FreshDb;
beforeEach(async () => {
  env = await freshDb({ seed: false });
});
afterEach(() => env.close());

const get = (path: string) => new NextRequest(`http://desk.test/api/resource/${path}`);

describe("/api/resource/Activity Log", () => {
  it("lists entries with Frappe fieldnames, newest first, filtered by query keys", async () => {
    const add = async (operation: string, at: number) => {
      const [row] = await env.db
        .insert(activityLog)
        .values({ at, operation, actor: "Administrator", subject: "Webhook/Orders", detail: "Replaced", ip: "10.0.0.1" })
        .returning();
      if (!row) throw new Error("not inserted");
      return row;
    };
    await add(ACTIVITY.webhookSecretSet, AT - 1000);
    const newest = await add(ACTIVITY.webhookSecretRotated, AT);
    const res = await resourceFor("Activity Log").list(get("Activity%20Log?with_count=1"), admin);
    const body = await res.json();
    expect(body.count).toEqual({ count: 2, capped: false });
    expect(body.data[0]).toEqual({
      name: String(newest.id),
      creation: "2026-03-10 12:00:00.123000",
      operation: "Webhook Secret Rotated",
      user: "Administrator",
      subject: "Webhook/Orders",
      details: "Replaced",
      ip_address: "10.0.0.1",
    });
    const filtered = await (await resourceFor("Activity+Log").list(get("Activity%20Log?operation=Webhook%20Secret%20Set"), admin)).json();
    expect(filtered.data.map((r: { operation: string }) => r.operation)).toEqual(["Webhook Secret Set"]);
    const one = await (await resourceFor("Activity Log").get(admin, String(newest.id))).json();
    expect(one.data).toMatchObject({ name: String(newest.id), doctype: "Activity Log", operation: "Webhook Secret Rotated" });
  });

  it("refuses Frappe filters JSON and unknown ids clearly", async () => {
    await expect(resourceFor("Activity Log").list(get(`Activity%20Log?filters=${encodeURIComponent("[]")}`), admin)).rejects.toThrow(
      AppError,
    );
    await expect(resourceFor("Activity Log").get(admin, "12345")).rejects.toThrow(/not found/);
  });

  it("serves the Request Log as before and 404s other DocTypes", async () => {
    expect((await (await resourceFor("Webhook Request Log").list(get("Webhook%20Request%20Log"), admin)).json()).data).toEqual([]);
    expect(resourceFor("Webhook Request Log").readOnly.list).toMatch(/dispatcher/);
    expect(() => resourceFor("Session")).toThrow(/DocType Session not found/);
  });
});
