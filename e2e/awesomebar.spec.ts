import { expect, test } from "@playwright/test";
import { apiUser, queuedLog } from "./helpers";

// The awesomebar in the top bar: Ctrl+K (or Ctrl+G) focuses it, it finds a Request Log entry
// by its reference document typed in lower case, the desk's pages by name, and the keyboard
// moves through the results and opens one.
test("finds a log entry by its reference document, and pages by name, from the keyboard", async ({ page, request }) => {
  const { token } = apiUser();
  const { doctype, doc, logName } = await queuedLog(request, token, "ab");

  await page.goto("/app/webhook");
  const search = page.getByRole("combobox", { name: "Search" });
  await page.keyboard.press("Control+k");
  await expect(search).toBeFocused();
  await search.fill(doc.toLowerCase());
  const found = page.getByRole("option", { name: new RegExp(`^${doc} Document`) });
  await expect(found).toBeVisible();
  await expect(found).toContainText(doctype);
  await expect(found).toHaveAttribute("aria-selected", "true");
  await search.press("Enter");
  await expect(page).toHaveURL(/\/app\/webhook-request-log\?reference_doctype=/);
  await expect(page.getByRole("link", { name: logName })).toBeVisible();

  // Pages by name; the arrow keys move the selection and Enter opens it.
  await page.keyboard.press("Control+g");
  await expect(search).toBeFocused();
  await search.fill("webhook");
  const options = page.getByRole("listbox", { name: "Search results" }).getByRole("option");
  await expect(options.nth(1)).toContainText("Webhook Request Log");
  await search.press("ArrowDown");
  await expect(options.nth(1)).toHaveAttribute("aria-selected", "true");
  await search.press("Enter");
  await expect(page).toHaveURL(/\/app\/webhook-request-log$/);

  // Escape closes the list.
  await page.keyboard.press("Control+k");
  await search.fill("log settings");
  await expect(options.first()).toContainText("Log Settings");
  await search.press("Escape");
  await expect(page.getByRole("listbox", { name: "Search results" })).toBeHidden();
});
