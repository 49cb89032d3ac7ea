// Sessions live in the database: signing out, a new password, disabling the user and taking
// away System Manager each end the session at once, so a copied cookie replayed in a fresh
// browser gets 401 from the API and /login from the desk. Each test signs in its own user;
// the Administrator's stored session is never touched.
import { expect, test, type APIRequestContext } from "@playwright/test";
import { apiUser, DESK, newUser, passwordLogin, replaySession, SESSION_COOKIE, signedInContext } from "./helpers";

const SIGNED_OUT = { api: 401, app: "/login", next: "/app" };
const SIGNED_IN = { api: 200, app: "/app", next: null };

test.use({ storageState: { cookies: [], origins: [] } });

test("the session cookie is HttpOnly, SameSite=Lax and lasts 12 hours", async ({ browser, request }) => {
  const u = newUser();
  const res = await passwordLogin(request, u.email, u.password);
  expect(res.status()).toBe(200);
  const set = res.headersArray().filter((h) => h.name.toLowerCase() === "set-cookie" && h.value.startsWith(`${SESSION_COOKIE}=`));
  expect(set).toHaveLength(1);
  const attrs = (set[0]?.value ?? "").split(";").map((a) => a.trim().toLowerCase());
  expect(attrs).toEqual(expect.arrayContaining(["path=/", "max-age=43200", "httponly", "samesite=lax"]));

  // The browser keeps it for 12 hours and scripts cannot read it.
  const { context } = await signedInContext(browser, u.email, u.password);
  const cookie = (await context.cookies(DESK)).find((c) => c.name === SESSION_COOKIE);
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });
  expect(Math.abs((cookie?.expires ?? 0) - (Date.now() / 1000 + 12 * 3600))).toBeLessThan(120);
  const page = await context.newPage();
  await page.goto("/app");
  expect(await page.evaluate(() => document.cookie)).not.toContain(SESSION_COOKIE);
  await context.close();
});

test("signing out ends the session: the copied cookie no longer works", async ({ browser }) => {
  const u = newUser();
  const { context, cookie } = await signedInContext(browser, u.email, u.password);
  expect(await replaySession(browser, cookie)).toEqual(SIGNED_IN);
  // A script (no Origin, no Sec-Fetch-Site) cannot sign the user out...
  expect((await context.request.post("/api/logout")).status()).toBe(403);
  expect(await replaySession(browser, cookie)).toEqual(SIGNED_IN);
  // ...the desk's own page does.
  const out = await context.request.post("/api/logout", { headers: { Origin: DESK }, maxRedirects: 0 });
  expect(out.status()).toBe(303);
  expect(out.headers().location).toBe("/login");
  expect(await replaySession(browser, cookie)).toEqual(SIGNED_OUT);
  await context.close();
});

test("signing out with the desk's button ends the session", async ({ browser }) => {
  const u = newUser();
  const { context, cookie } = await signedInContext(browser, u.email, u.password);
  const page = await context.newPage();
  await page.goto("/app");
  await page.getByRole("button", { name: "Logout" }).click();
  await expect(page).toHaveURL(/\/login/);
  expect(await replaySession(browser, cookie)).toEqual(SIGNED_OUT);
  await context.close();
});

test("signing out through next-auth (POST /api/auth/signout) ends the session too", async ({ browser }) => {
  const u = newUser();
  const { context, cookie } = await signedInContext(browser, u.email, u.password);
  const { csrfToken } = (await (await context.request.get("/api/auth/csrf")).json()) as { csrfToken: string };
  const out = await context.request.post("/api/auth/signout", { form: { csrfToken, json: "true" }, maxRedirects: 0 });
  expect(out.status(), await out.text()).toBe(200);
  expect(await replaySession(browser, cookie)).toEqual(SIGNED_OUT);
  await context.close();
});

const changes: Array<[string, (u: { email: string }) => Record<string, unknown>]> = [
  ["a new password", () => ({ password: `new-pass-${Date.now()}` })],
  ["disabling the user", () => ({ enabled: false })],
  ["removing System Manager", () => ({ roles: ["Desk User"] })],
];

for (const [what, body] of changes) {
  test(`${what} (by an administrator's API key) ends the user's sessions`, async ({ browser, request }) => {
    const admin = apiUser().token;
    const u = newUser();
    const { context, cookie } = await signedInContext(browser, u.email, u.password);
    expect(await replaySession(browser, cookie)).toEqual(SIGNED_IN);
    await put(request, admin, u.email, body(u));
    expect(await replaySession(browser, cookie)).toEqual(SIGNED_OUT);
    // The browser the user signed in with is signed out too.
    expect((await context.request.get("/api/resource/Webhook")).status()).toBe(401);
    await context.close();
  });
}

async function put(request: APIRequestContext, admin: string, user: string, data: Record<string, unknown>) {
  const res = await request.put(`/api/resource/User/${encodeURIComponent(user)}`, { headers: { Authorization: admin }, data });
  expect(res.status(), await res.text()).toBe(200);
}

test("a System Manager sees a user's sessions and logs them out from all devices", async ({ browser }) => {
  const u = newUser();
  const first = await signedInContext(browser, u.email, u.password);
  const second = await signedInContext(browser, u.email, u.password);
  const admin = await browser.newContext({ storageState: "e2e/.auth/admin.json" });
  const page = await admin.newPage();
  await page.goto(`/app/user/${encodeURIComponent(u.email)}`);
  const sessions = page.getByRole("table", { name: "Sessions" });
  await expect(sessions.getByRole("row")).toHaveCount(3); // header + two sign-ins
  await expect(sessions).toContainText("127.0.0.1");
  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "Log out from all devices" }).click();
  await expect(page.getByRole("status")).toHaveText("2 sessions ended");
  await expect(page.getByText("Not signed in anywhere.")).toBeVisible();
  for (const s of [first, second]) expect(await replaySession(browser, s.cookie)).toEqual(SIGNED_OUT);
  for (const c of [first.context, second.context, admin]) await c.close();
});
