import { expect, test } from "@playwright/test";
import { apiUser, queuedLog } from "./helpers";

// A 390 × 844 phone: the sidebar is behind the top bar's Menu button, which reaches every
// sidebar page (and closes once a page is chosen); lists scroll sideways with the key columns first.
test.use({ viewport: { width: 390, height: 844 } });

test("reaches every sidebar page through the Menu button", async ({ page }) => {
  await page.goto("/app");
  const menu = page.getByRole("button", { name: "Menu" });
  const sidebar = page.getByRole("navigation", { name: "Sidebar" });
  await expect(menu).toBeVisible();
  await expect(sidebar).toBeHidden();
  await menu.click();
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  const labels = await sidebar.getByRole("link").allTextContents();
  expect(labels.length).toBeGreaterThanOrEqual(8);
  for (const label of labels) {
    if (!(await sidebar.isVisible())) await menu.click();
    const link = sidebar.getByRole("link", { name: label, exact: true });
    const href = (await link.getAttribute("href")) ?? "";
    await link.click();
    await expect(page).toHaveURL(new RegExp(`${href}$`));
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    // Chosen: the menu closes over the page.
    await expect(sidebar).toBeHidden();
  }
  // Escape closes it too.
  await menu.click();
  await expect(sidebar).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(sidebar).toBeHidden();
  await expect(menu).toBeFocused();
});

test("the log list shows Status beside the name; wide lists scroll sideways", async ({ page, request }) => {
  const reference = await queuedLog(request, apiUser().token, "ph");
  await page.goto(`/app/webhook-request-log?reference_document=${encodeURIComponent(reference.doc)}`);
  await expect(page.getByRole("link", { name: reference.logName })).toBeVisible();
  const headers = await page.getByRole("columnheader").allTextContents();
  expect(headers.slice(0, 2).map((h) => h.replace(/[↑↓]/g, "").trim())).toEqual(["Name", "Status"]);
  // The page itself never scrolls sideways: the list does.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});
