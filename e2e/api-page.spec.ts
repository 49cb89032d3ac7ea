// The API page (/app/api): the OpenAPI document in Swagger UI, bundled (nothing fetched from
// elsewhere), for System Managers only; and GET /api/openapi.json, public.
import { expect, test } from "@playwright/test";
import { DESK, login, newUser } from "./helpers";

test("a System Manager reads the API page: POST /api/events opens with its example, and nothing loads from elsewhere", async ({ page }) => {
  const foreign: string[] = [];
  const errors: string[] = [];
  page.on("request", (r) => {
    if (new URL(r.url()).origin !== DESK && !r.url().startsWith("data:")) foreign.push(r.url());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  await page.goto("/app/api");
  await expect(page.getByRole("heading", { name: "API", exact: true })).toBeVisible();
  await expect(page.getByRole("link", { name: "API", exact: true })).toHaveAttribute("aria-current", "page");
  const events = page.locator(".opblock-post", { hasText: "/api/events" });
  await expect(events).toBeVisible();
  await events.locator(".opblock-summary").first().click();
  // Expanded (the OpenAPI 3.1 resolver ran): the request body's example, the 202 and the errors.
  await expect(events.getByText("QTN-00001").first()).toBeVisible();
  await expect(events.locator(".response").filter({ hasText: "202" }).first()).toBeVisible();
  await expect(events.locator(".response").filter({ hasText: "503" }).first()).toBeVisible();
  await expect(page.getByRole("status")).toHaveCount(0);
  expect(foreign).toEqual([]);
  expect(errors).toEqual([]);
});

test("a signed-in user without System Manager gets the 403 page", async ({ browser }) => {
  const u = newUser(["Event Publisher"]);
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await login(page, u.email, u.password);
  await page.waitForURL((url) => url.pathname !== "/login");
  const res = await page.goto("/app/api");
  expect(res?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: /403/ })).toBeVisible();
  await expect(page.locator(".swagger-ui")).toHaveCount(0);
  await context.close();
});

test("GET /api/openapi.json is public: a client generator fetches it without credentials", async ({ playwright }) => {
  const anonymous = await playwright.request.newContext({ baseURL: DESK, storageState: { cookies: [], origins: [] } });
  const res = await anonymous.get("/api/openapi.json");
  expect(res.status()).toBe(200);
  const doc = await res.json();
  expect(doc.openapi).toBe("3.1.0");
  expect(doc.paths["/api/events"].post.operationId).toBe("postEvents");
  expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: "apiKey", in: "header", name: "Authorization" });
  await anonymous.dispose();
});
