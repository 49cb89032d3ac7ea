import { expect, test } from "@playwright/test";
import { apiUser, tokenApi, unique } from "./helpers";

// The Webhook form's "…" menu (Duplicate, Previous / Next, Copy Link, Delete) and the desk's
// keyboard shortcuts (Shift+/ lists them, Ctrl+B starts a new webhook, Escape closes).
test("the form menu duplicates, moves to the previous and next webhook, copies the link and deletes", async ({
  page,
  request,
  context,
}) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const { token } = apiUser();
  const s = unique("menu");
  for (const k of ["a", "b", "c"])
    await tokenApi(request, token, "POST", "/api/resource/Webhook", {
      name: `${s}-${k}`,
      webhook_doctype: "Quotation",
      webhook_docevent: "on_update",
      request_url: `https://example.com/hooks/${k}`,
      enable_security: 1,
      webhook_secret: "menu-secret-value",
    });
  await page.goto(`/app/webhook/${s}-b`);
  const more = page.getByRole("button", { name: "More actions" });
  const menu = page.getByRole("menu", { name: "More actions" });

  await more.click();
  await menu.getByRole("menuitem", { name: "Previous Webhook" }).click();
  await expect(page).toHaveURL(new RegExp(`/app/webhook/${s}-a$`));
  await more.click();
  await menu.getByRole("menuitem", { name: "Next Webhook" }).click();
  await expect(page).toHaveURL(new RegExp(`/app/webhook/${s}-b$`));

  // Escape closes the menu and gives the focus back.
  await more.click();
  await expect(menu).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(menu).toBeHidden();
  await expect(more).toBeFocused();

  await more.click();
  await menu.getByRole("menuitem", { name: "Copy Link" }).click();
  await expect(page.getByRole("status")).toHaveText("Link copied");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(page.url());

  await more.click();
  await menu.getByRole("menuitem", { name: "Delete…" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete Webhook" });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();

  // Duplicate: a new, unsaved webhook with the same settings, no name and no secret.
  await more.click();
  await menu.getByRole("menuitem", { name: "Duplicate" }).click();
  await expect(page).toHaveURL(/\/app\/webhook\/new\?duplicate=/);
  await expect(page.getByRole("heading", { name: "New Webhook" })).toBeVisible();
  await expect(page.getByLabel("Webhook Name")).toHaveValue("");
  await expect(page.getByLabel("Request URL")).toHaveValue("https://example.com/hooks/b");
  await expect(page.getByLabel("DocType")).toHaveValue("Quotation");
  await expect(page.getByLabel("Enable Security")).toBeChecked();
  await expect(page.getByLabel("Webhook Secret")).toHaveValue("");
  await page.getByLabel("Webhook Name").fill(`${s}-copy`);
  await page.getByLabel("Webhook Secret").fill("another-secret-value");
  await page.getByRole("button", { name: "Create" }).click();
  await expect(page).toHaveURL(new RegExp(`/app/webhook/${s}-copy$`));
  const copy = (await tokenApi(request, token, "GET", `/api/resource/Webhook/${s}-copy`)).data;
  expect(copy.request_url).toBe("https://example.com/hooks/b");
});

test("Shift+/ lists the keyboard shortcuts; Ctrl+B starts a new webhook", async ({ page }) => {
  await page.goto("/app/webhook");
  await page.keyboard.press("Shift+Slash");
  const help = page.getByRole("dialog", { name: "Keyboard Shortcuts" });
  await expect(help).toBeVisible();
  for (const keys of ["Ctrl+S", "Ctrl+B", "Ctrl+K or Ctrl+G", "Escape"]) await expect(help.getByText(keys, { exact: true })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(help).toBeHidden();
  await page.keyboard.press("Control+b");
  await expect(page).toHaveURL(/\/app\/webhook\/new$/);
  await expect(page.getByRole("heading", { name: "New Webhook" })).toBeVisible();
});
