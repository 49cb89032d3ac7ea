import { expect, test } from "@playwright/test";
import { apiUser, login, newUser, unique } from "./helpers";
import { Receiver } from "./receiver";

// Small things of the desk: the Deliveries panel counts requests and follows Send Test, tab
// titles name the document, new users start without roles, the 403 page offers Logout, and
// Frappe v16's /desk/… paths lead to /app/….

let receiver: Receiver;
test.beforeAll(async () => {
  receiver = await new Receiver().start();
});
test.afterAll(() => receiver.close());

test("the Deliveries panel counts requests and refreshes after Send Test; tab titles name the document", async ({ page, request }) => {
  const { token } = apiUser();
  const auth = { Authorization: token };
  const name = unique("wh-panel");
  const docName = `QTN-${name}`;
  // on_trash: the event below only stores the document, it sends nothing.
  const created = await request.post("/api/resource/Webhook", {
    headers: auth,
    data: { name, webhook_doctype: "Quotation", webhook_docevent: "on_trash", request_url: `${receiver.base}/panel` },
  });
  expect(created.status()).toBe(201);
  const ev = await request.post("/api/events", {
    headers: auth,
    data: { doctype: "Quotation", event: "on_update", doc: { name: docName, status: "Open" } },
  });
  expect(ev.status()).toBe(202);

  await page.goto(`/app/webhook/${name}`);
  await expect(page).toHaveTitle(`${name} · Webhook · Webhook Desk`);
  const panel = page.getByRole("region", { name: "Deliveries" });
  await expect(panel.getByRole("link", { name: "All 0" })).toBeVisible();
  await expect(panel).toContainText("Delivered 0");
  await expect(panel).toContainText("requests");

  await page.getByLabel("Select Document").fill(docName);
  await page.getByRole("option", { name: new RegExp(docName) }).click();
  await page.getByRole("button", { name: "Send Test" }).click();
  await expect(page.getByTestId("test-result")).toContainText("HTTP 200");
  // Without a reload: the chart's total and the log counts say the same, in requests.
  await expect(panel.getByRole("link", { name: "All 1" })).toBeVisible();
  await expect(panel.locator(".chart-legend")).toContainText("Delivered 1");
  await expect(panel.getByRole("link", { name: /Delivered 1/ })).toBeVisible();

  await page.getByTestId("test-result").getByRole("link", { name: "View Log" }).click();
  await expect(page).toHaveURL(/\/app\/webhook-request-log\/log_/);
  const log = decodeURIComponent(new URL(page.url()).pathname.split("/").pop() ?? "");
  await expect(page).toHaveTitle(`${log} · Webhook Request Log · Webhook Desk`);
});

test("pages have meaningful titles", async ({ page }) => {
  await page.goto("/app");
  await expect(page).toHaveTitle("Home · Webhook Desk");
  await page.goto("/app/user/Administrator");
  await expect(page).toHaveTitle("Administrator · User · Webhook Desk");
  await page.goto("/app/doctype/Quotation");
  await expect(page).toHaveTitle("Quotation · DocType · Webhook Desk");
  await page.goto("/app/webhook-request-log");
  await expect(page).toHaveTitle("Webhook Request Log · Webhook Desk");
});

test("a new user starts with no roles ticked", async ({ page }) => {
  await page.goto("/app/user/new");
  await expect(page.getByLabel("System Manager")).not.toBeChecked();
  await expect(page.getByLabel("Event Publisher")).not.toBeChecked();
});

test("Frappe v16 /desk paths redirect to /app, keeping the query string", async ({ page, request }) => {
  const name = unique("wh-desk");
  for (const [from, to] of [
    ["/desk", "/app"],
    ["/desk/webhook", "/app/webhook"],
    [`/desk/webhook/${name}`, `/app/webhook/${name}`],
    ["/desk/webhook-request-log?status=Failed", "/app/webhook-request-log?status=Failed"],
  ] as const) {
    const res = await request.get(from, { maxRedirects: 0 });
    expect(res.status(), from).toBe(308);
    const location = new URL(res.headers().location ?? "", "http://desk.invalid");
    expect(location.pathname + location.search, from).toBe(to);
  }
  await page.goto("/desk/webhook?enabled=1");
  await expect(page).toHaveURL(/\/app\/webhook\?enabled=1$/);
  await expect(page.getByRole("heading", { name: "Webhook", exact: true })).toBeVisible();
  expect((await request.get("/desktop", { maxRedirects: 0 })).status()).not.toBe(308);
});

test.describe("without a role", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("the 403 page offers Logout", async ({ page }) => {
    const { email, password } = newUser([]);
    await login(page, email, password);
    await page.goto("/app/webhook");
    await expect(page.getByRole("heading", { name: /403/ })).toBeVisible();
    await page.getByRole("button", { name: "Logout" }).click();
    await expect(page).toHaveURL(/\/login/);
    await page.goto("/app/webhook");
    await expect(page).toHaveURL(/\/login\?next=/);
  });
});
