import { expect, test } from "@playwright/test";
import { ADMIN_PASSWORD, apiUser, login } from "./helpers";

test("Administrator sees the desk with its sidebar", async ({ page }) => {
  await page.goto("/app");
  await expect(page.getByTestId("current-user")).toHaveText("Administrator");
  const sidebar = page.getByRole("navigation", { name: "Sidebar" });
  for (const link of ["Webhook", "Webhook Request Log", "User", "DocType"]) {
    await expect(sidebar.getByRole("link", { name: link, exact: true })).toBeVisible();
  }
  await sidebar.getByRole("link", { name: "DocType", exact: true }).click();
  await expect(page).toHaveURL(/\/app\/doctype$/);
  await expect(page.getByRole("link", { name: "Quotation", exact: true })).toBeVisible();
});

test.describe("anonymous", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("is redirected to /login with next", async ({ page }) => {
    await page.goto("/app/webhook");
    await expect(page).toHaveURL(/\/login\?next=%2Fapp%2Fwebhook/);
    await expect(page.getByLabel("Email or Username")).toBeVisible();
  });

  test("APIs answer 401 as JSON", async ({ request }) => {
    const res = await request.get("/api/resource/User");
    expect(res.status()).toBe(401);
    expect((await res.json()).error.code).toBe("UNAUTHORIZED");
  });

  test("a wrong password shows a clear message", async ({ page }) => {
    await login(page, "Administrator", "not-the-password");
    await expect(page.locator(".alert-error")).toHaveText("Invalid login credentials");
    await expect(page).toHaveURL(/\/login/);
  });

  test("login goes to the page asked for", async ({ page }) => {
    const u = apiUser();
    await page.goto("/app/user");
    await expect(page).toHaveURL(/\/login\?next=/);
    await page.getByLabel("Email or Username").fill(u.email);
    await page.getByLabel("Password").fill(u.password);
    await page.getByRole("button", { name: "Login" }).click();
    await expect(page).toHaveURL(/\/app\/user$/);
  });

  test("login never redirects off the site", async ({ page }) => {
    await page.goto("/login?next=/%5C127.0.0.1:9/pwned");
    await page.getByLabel("Email or Username").fill("Administrator");
    await page.getByLabel("Password").fill(ADMIN_PASSWORD);
    await page.getByRole("button", { name: "Login" }).click();
    await expect(page).toHaveURL(/localhost:\d+\/app$/);
  });

  test("a malformed URL answers 400, not 500", async ({ request }) => {
    const res = await request.get("/api/resource/Webhook/%E0%A4%A");
    expect(res.status()).toBe(400);
    expect((await res.json()).error.code).toBe("BAD_REQUEST");
  });
});

test.describe("a user without System Manager", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("gets 403 on pages and APIs", async ({ page, request }) => {
    const u = apiUser(["Desk User"]);
    await login(page, u.email, u.password);
    await page.waitForURL(/\/app/);
    const res = await page.goto("/app/webhook");
    expect(res?.status()).toBe(403);
    await expect(page.getByRole("heading", { name: /403/ })).toBeVisible();
    const api = await page.request.get("/api/resource/User");
    expect(api.status()).toBe(403);
    const byToken = await request.get("/api/resource/User", { headers: { Authorization: u.token } });
    expect(byToken.status()).toBe(403);
  });
});

test("API keys: a created key authenticates, a wrong secret does not", async ({ page, request }) => {
  const email = `keys-${Date.now()}@example.com`;
  await page.goto("/app/user/new");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("long-enough-1");
  // A new user starts with no role: least privilege until someone grants one.
  for (const role of ["System Manager", "Event Publisher", "Desk User"]) await expect(page.getByLabel(role)).not.toBeChecked();
  await page.getByLabel("System Manager").check();
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page).toHaveURL(new RegExp(`/app/user/${encodeURIComponent(email)}$`));
  await page.getByRole("button", { name: "Generate Keys" }).click();
  const key = await page.getByTestId("api-key-value").textContent();
  const secret = await page.getByTestId("api-secret-value").textContent();
  expect(key && secret).toBeTruthy();

  const ok = await request.get("/api/resource/DocType", { headers: { Authorization: `token ${key}:${secret}` } });
  expect(ok.status()).toBe(200);
  expect((await ok.json()).data.map((d: { name: string }) => d.name)).toContain("Quotation");
  const bad = await request.get("/api/resource/DocType", { headers: { Authorization: `token ${key}:wrong-secret` } });
  expect(bad.status()).toBe(401);

  // disabling the user revokes access
  await page.getByLabel("Enabled").uncheck();
  await page.keyboard.press("Control+s");
  await expect(page.getByText("Saved", { exact: true })).toBeVisible();
  const disabled = await request.get("/api/resource/DocType", { headers: { Authorization: `token ${key}:${secret}` } });
  expect(disabled.status()).toBe(403);
});

test("a DocType can be marked submittable", async ({ page }) => {
  await page.goto("/app/doctype/ToDo");
  await expect(page.getByRole("cell", { name: "allocated_to" })).toBeVisible();
  await page.getByLabel("Is Submittable").check();
  await expect(page.getByTestId("not-saved")).toBeVisible();
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("not-saved")).toBeHidden();
  await page.reload();
  await expect(page.getByLabel("Is Submittable")).toBeChecked();
  await page.getByLabel("Is Submittable").uncheck();
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("not-saved")).toBeHidden();
});
