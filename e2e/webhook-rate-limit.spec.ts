import { expect, test } from "@playwright/test";
import { unique } from "./helpers";

// Max Requests per Second on the Webhook form: refused at the field when not a positive number,
// saved with its decimals, shown again after a reload, and blank again once cleared. Send in
// Order per Document beside it: a check, saved and shown again.
test("sets Max Requests per Second on the form, saved across a reload", async ({ page }) => {
  const name = unique("wh-rate");
  await page.goto("/app/webhook/new");
  await page.getByLabel("Webhook Name").fill(name);
  await page.getByLabel("DocType").selectOption("Quotation");
  await page.getByLabel("Doc Event").selectOption("on_update");
  await page.getByLabel("Request URL").fill("https://example.com/hooks/rated");
  const rate = page.getByLabel("Max Requests per Second");
  await expect(rate).toHaveValue("");

  await rate.fill("0");
  await page.getByRole("button", { name: /^(Create|Save)$/ }).click();
  await expect(page.locator('[data-fieldname="max_requests_per_second"] .error')).toHaveText(
    "Max Requests per Second must be a positive number (blank: no limit)",
  );

  await rate.fill("0.5");
  await page.getByRole("button", { name: /^(Create|Save)$/ }).click();
  await expect(page).toHaveURL(`/app/webhook/${name}`);
  await expect(page.getByRole("heading", { name })).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Max Requests per Second")).toHaveValue("0.5");

  await page.getByLabel("Max Requests per Second").fill("");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Not Saved")).toHaveCount(0);
  await page.reload();
  await expect(page.getByLabel("Max Requests per Second")).toHaveValue("");
});

test("turns Send in Order per Document on and off on the form, saved across a reload", async ({ page }) => {
  const name = unique("wh-order");
  await page.goto("/app/webhook/new");
  await page.getByLabel("Webhook Name").fill(name);
  await page.getByLabel("DocType").selectOption("Quotation");
  await page.getByLabel("Doc Event").selectOption("on_update");
  await page.getByLabel("Request URL").fill("https://example.com/hooks/ordered");
  const order = page.getByLabel("Send in Order per Document");
  await expect(order).not.toBeChecked();
  await order.check();
  await page.getByRole("button", { name: /^(Create|Save)$/ }).click();
  await expect(page).toHaveURL(`/app/webhook/${name}`);
  await page.reload();
  await expect(page.getByLabel("Send in Order per Document")).toBeChecked();

  await page.getByLabel("Send in Order per Document").uncheck();
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Not Saved")).toHaveCount(0);
  await page.reload();
  await expect(page.getByLabel("Send in Order per Document")).not.toBeChecked();
});
