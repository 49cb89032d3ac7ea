import { expect, test } from "@playwright/test";
import { apiUser, tokenApi, unique } from "./helpers";

// The Webhook list as in Frappe's list view: a sidebar of counts (Enabled / Disabled), a sort
// picker, relative times with the exact one on hover, and bulk Enable, Disable and Delete on
// the checked rows (Delete asks first). The Request Log's sidebar counts each status.
test("bulk-disables, enables and deletes checked webhooks; sidebar counts, sort picker and relative times", async ({ page, request }) => {
  const { token } = apiUser();
  const s = unique("bulk");
  const names = [`${s}-a`, `${s}-b`];
  for (const name of names)
    await tokenApi(request, token, "POST", "/api/resource/Webhook", {
      name,
      webhook_doctype: "Quotation",
      webhook_docevent: "on_update",
      request_url: "https://example.com/hooks/bulk",
    });
  await page.goto(`/app/webhook?search=${s}`);
  const counts = page.getByRole("navigation", { name: "Group by" });
  await expect(counts.getByRole("link", { name: /^Enabled\s*2$/ })).toBeVisible();
  await expect(counts.getByRole("link", { name: /^Disabled\s*0$/ })).toBeVisible();
  // Relative time, the exact one on hover.
  const when = page.getByRole("row", { name: new RegExp(names[0] ?? "") }).locator("time");
  await expect(when).toHaveText("just now");
  await expect(when).toHaveAttribute("title", /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);

  await page.getByRole("checkbox", { name: "Select all on this page" }).check();
  await expect(page.getByText("2 selected")).toBeVisible();
  await page.getByRole("button", { name: "Disable", exact: true }).click();
  await expect(page.getByText("Disabled 2 Webhooks")).toBeVisible();
  await expect(counts.getByRole("link", { name: /^Disabled\s*2$/ })).toBeVisible();
  for (const name of names) await expect(page.getByRole("row", { name: new RegExp(name) })).toContainText("Disabled");
  for (const name of names) expect((await tokenApi(request, token, "GET", `/api/resource/Webhook/${name}`)).data.enabled).toBe(0);

  // The sidebar filters: Disabled lists them, Enabled lists none.
  await counts.getByRole("link", { name: /^Enabled/ }).click();
  await expect(page).toHaveURL(/enabled=1/);
  await expect(page.getByText("No results match these filters.")).toBeVisible();
  await counts.getByRole("link", { name: /^All/ }).click();

  // Enable one again.
  await page.getByRole("checkbox", { name: `Select ${names[0]}` }).check();
  await page.getByRole("button", { name: "Enable", exact: true }).click();
  await expect(page.getByText("Enabled 1 Webhook")).toBeVisible();
  await expect(page.getByRole("row", { name: new RegExp(names[0] ?? "") })).toContainText("Enabled");

  // Sort picker: by Name, then the other way round.
  await page.getByLabel("Sort by").selectOption("name");
  await expect(page).toHaveURL(/sort=name/);
  const first = () => page.getByRole("row").nth(1);
  await page.getByRole("button", { name: /sort ascending/ }).click();
  await expect(page).toHaveURL(/order=asc/);
  await expect(first()).toContainText(names[0] ?? "");
  await page.getByRole("button", { name: /sort descending/ }).click();
  await expect(first()).toContainText(names[1] ?? "");

  // Delete asks first, naming how many.
  await page.getByRole("checkbox", { name: "Select all on this page" }).check();
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Delete 2 Webhooks?" });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("row", { name: new RegExp(names[1] ?? "") })).toBeVisible();
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  await page.getByRole("dialog", { name: "Delete 2 Webhooks?" }).getByRole("button", { name: "Delete" }).click();
  await expect(page.getByText("Deleted 2 Webhooks")).toBeVisible();
  await expect(page.getByText("No results match these filters.")).toBeVisible();
});

test("the Request Log's sidebar counts each status and filters by it", async ({ page }) => {
  await page.goto("/app/webhook-request-log");
  const statuses = page.getByRole("navigation", { name: "Group by" });
  for (const s of ["All", "Queued", "Delivered", "Failed", "Exhausted", "Error", "Cancelled"])
    await expect(statuses.getByRole("link", { name: new RegExp(`^${s}\\s*\\d`) })).toBeVisible();
  await statuses.getByRole("link", { name: /^Cancelled/ }).click();
  await expect(page).toHaveURL(/status=Cancelled/);
  await expect(statuses.getByRole("link", { name: /^Cancelled/ })).toHaveAttribute("aria-current", "true");
});
