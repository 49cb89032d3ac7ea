import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { apiUser, unique } from "./helpers";

// Leaving a desk form with unsaved changes asks first ("Leave" / "Stay"): sidebar links,
// breadcrumbs and the browser's Back button. Saved or untouched forms leave without a word.

const sidebar = (page: Page) => page.getByRole("navigation", { name: "Sidebar" });
const breadcrumbs = (page: Page) => page.getByRole("navigation", { name: "Breadcrumb" });
const prompt = (page: Page) => page.getByRole("alertdialog", { name: "Unsaved changes" });

/** fill(), checked: a fill racing the page's hydration on a loaded machine can land beside the old text. */
async function edit(page: Page, label: string, value: string) {
  await expect(async () => {
    await page.getByLabel(label).fill(value);
    await expect(page.getByLabel(label)).toHaveValue(value, { timeout: 1000 });
  }).toPass();
}

async function savedWebhook(request: APIRequestContext): Promise<string> {
  const { token } = apiUser();
  const name = unique("wh-leave");
  const res = await request.post("/api/resource/Webhook", {
    headers: { Authorization: token },
    data: { name, webhook_doctype: "Quotation", webhook_docevent: "on_update", request_url: "https://example.com/leave" },
  });
  expect(res.status()).toBe(201);
  return name;
}

test("a sidebar link on an edited webhook asks; Stay keeps the edit, Leave goes", async ({ page, request }) => {
  const name = await savedWebhook(request);
  await page.goto(`/app/webhook/${name}`);
  await edit(page, "Request URL", "https://example.com/edited");
  await expect(page.getByTestId("not-saved")).toBeVisible();

  await sidebar(page).getByRole("link", { name: "Event", exact: true }).click();
  await expect(prompt(page)).toBeVisible();
  await expect(prompt(page)).toContainText("You have unsaved changes");
  await prompt(page).getByRole("button", { name: "Stay" }).click();
  await expect(prompt(page)).toBeHidden();
  await expect(page).toHaveURL(new RegExp(`/app/webhook/${name}$`));
  await expect(page.getByLabel("Request URL")).toHaveValue("https://example.com/edited");

  await sidebar(page).getByRole("link", { name: "Event", exact: true }).click();
  await prompt(page).getByRole("button", { name: "Leave" }).click();
  await expect(page).toHaveURL(/\/app\/event$/);
});

test("a breadcrumb on an edited webhook asks; Escape stays", async ({ page, request }) => {
  const name = await savedWebhook(request);
  await page.goto(`/app/webhook/${name}`);
  await edit(page, "Request Timeout", "9");
  await breadcrumbs(page).getByRole("link", { name: "Webhook", exact: true }).click();
  await expect(prompt(page)).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(prompt(page)).toBeHidden();
  await expect(page.getByLabel("Request Timeout")).toHaveValue("9");

  await breadcrumbs(page).getByRole("link", { name: "Webhook", exact: true }).click();
  await prompt(page).getByRole("button", { name: "Leave" }).click();
  await expect(page).toHaveURL(/\/app\/webhook$/);
});

test("Back on an edited webhook asks; Stay keeps the page, Leave goes back", async ({ page, request }) => {
  const name = await savedWebhook(request);
  await page.goto("/app/webhook");
  await page.getByRole("link", { name, exact: true }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
  await edit(page, "Request URL", "https://example.com/back");

  await page.goBack();
  await expect(prompt(page)).toBeVisible();
  await prompt(page).getByRole("button", { name: "Stay" }).click();
  await expect(page).toHaveURL(new RegExp(`/app/webhook/${name}$`));
  await expect(page.getByLabel("Request URL")).toHaveValue("https://example.com/back");

  await page.goBack();
  await expect(prompt(page)).toBeVisible();
  await prompt(page).getByRole("button", { name: "Leave" }).click();
  await expect(page).toHaveURL(/\/app\/webhook$/);
});

test("the awesomebar asks too, when it opens a page from an edited webhook", async ({ page, request }) => {
  const name = await savedWebhook(request);
  await page.goto(`/app/webhook/${name}`);
  await edit(page, "Request URL", "https://example.com/search");
  const search = page.getByRole("combobox", { name: "Search" });
  await page.keyboard.press("Control+k");
  await search.fill("log settings");
  await expect(page.getByRole("listbox", { name: "Search results" }).getByRole("option").first()).toContainText("Log Settings");
  await search.press("Enter");
  await expect(prompt(page)).toBeVisible();
  await prompt(page).getByRole("button", { name: "Stay" }).click();
  await expect(page.getByLabel("Request URL")).toHaveValue("https://example.com/search");

  await page.keyboard.press("Control+k");
  await search.fill("log settings");
  await expect(page.getByRole("listbox", { name: "Search results" }).getByRole("option").first()).toContainText("Log Settings");
  await search.press("Enter");
  await prompt(page).getByRole("button", { name: "Leave" }).click();
  await expect(page).toHaveURL(/\/app\/log-settings$/);
});

test("no prompt once saved, nor on an untouched form", async ({ page, request }) => {
  const name = await savedWebhook(request);
  await page.goto(`/app/webhook/${name}`);
  await edit(page, "Request Timeout", "8");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("not-saved")).toBeHidden();
  await sidebar(page).getByRole("link", { name: "Event", exact: true }).click();
  await expect(page).toHaveURL(/\/app\/event$/);
  await expect(prompt(page)).toHaveCount(0);

  await page.goto("/app/webhook/new");
  await sidebar(page).getByRole("link", { name: "Webhook Request Log", exact: true }).click();
  await expect(page).toHaveURL(/\/app\/webhook-request-log$/);
});

test("a new webhook with something typed asks too", async ({ page }) => {
  await page.goto("/app/webhook/new");
  await page.getByLabel("Webhook Name").fill(unique("wh-new-leave"));
  await sidebar(page).getByRole("link", { name: "Event", exact: true }).click();
  await expect(prompt(page)).toBeVisible();
  await prompt(page).getByRole("button", { name: "Stay" }).click();
  await expect(page).toHaveURL(/\/app\/webhook\/new$/);
});

test("Log Settings and User forms ask before leaving with edits", async ({ page }) => {
  await page.goto("/app/log-settings");
  await edit(page, "Retention Days", "45");
  await sidebar(page).getByRole("link", { name: "Event", exact: true }).click();
  await expect(prompt(page)).toBeVisible();
  await prompt(page).getByRole("button", { name: "Stay" }).click();
  await expect(page.getByLabel("Retention Days")).toHaveValue("45");

  await page.goto("/app/user/new");
  await edit(page, "Full Name", "Someone Leaving");
  await breadcrumbs(page).getByRole("link", { name: "User", exact: true }).click();
  await expect(prompt(page)).toBeVisible();
  await prompt(page).getByRole("button", { name: "Leave" }).click();
  await expect(page).toHaveURL(/\/app\/user$/);
});

test("the DocType form asks while its change is unsaved, and not once it is undone", async ({ page }) => {
  await page.goto("/app/doctype/Quotation");
  const box = page.getByLabel("Is Submittable");
  await box.click();
  await breadcrumbs(page).getByRole("link", { name: "DocType", exact: true }).click();
  await expect(prompt(page)).toBeVisible();
  await prompt(page).getByRole("button", { name: "Stay" }).click();
  await box.click(); // back to the saved value: nothing to lose
  await breadcrumbs(page).getByRole("link", { name: "DocType", exact: true }).click();
  await expect(page).toHaveURL(/\/app\/doctype$/);
});

test("closing the tab with edits asks first (beforeunload)", async ({ page, request }) => {
  const name = await savedWebhook(request);
  await page.goto(`/app/webhook/${name}`);
  await edit(page, "Request URL", "https://example.com/close");
  // page.close({ runBeforeUnload }) fires the page's beforeunload: the browser asks (and closes on accept).
  const asked = new Promise<string>((resolve) => page.once("dialog", (d) => (resolve(d.type()), void d.accept())));
  await page.close({ runBeforeUnload: true });
  expect(await asked).toBe("beforeunload");
});
