// Auto-disable as a System Manager sees it: a webhook whose every request fails for its
// (very short) Disable After is disabled by the server's health sweep, its pending retry
// held; the bell shows the webhook.disabled alert unread, and Mark as read clears it; the
// webhook's Health panel says Disabled automatically, and Re-enable releases the held retry,
// which the receiver then gets.
import { expect, test } from "@playwright/test";
import { apiUser, tokenApi, unique } from "./helpers";
import { Receiver, retryAfter } from "./receiver";

const s = unique("alerts");
let receiver: Receiver;
let token = "";

test.beforeAll(async () => {
  receiver = await new Receiver().start();
  token = apiUser().token;
});
test.afterAll(async () => {
  await receiver.close();
});

test("a webhook failing for its Disable After is disabled, alerts in the bell, and Re-enable releases its held request", async ({
  page,
  request,
}) => {
  test.setTimeout(120_000);
  const hook = `${s}-hook`;
  const path = `/${hook}`;
  const doctype = `Alerts ${s}`;
  await tokenApi(request, token, "POST", "/api/events", { doctype, event: "on_update", doc: { name: `${hook}-seed` } });
  await tokenApi(request, token, "POST", "/api/resource/Webhook", {
    name: hook,
    webhook_doctype: doctype,
    webhook_docevent: "on_update",
    request_url: `${receiver.base}${path}`,
    webhook_data: [{ fieldname: "name", key: "name" }],
    max_retries: 3,
    // ~2.6 s: the sweep (every 5 s) disables it at its next run after that.
    disable_after: 0.00003,
  });
  // The first attempt fails and asks for its retry in 25 s: the retry is pending when the webhook is disabled.
  receiver.script(path, retryAfter(25));
  await tokenApi(request, token, "POST", "/api/events", { doctype, event: "on_update", doc: { name: `${hook}-1` } });
  await receiver.waitFor(path, 1);

  const subject = `Webhook ${hook} was disabled`;
  await page.goto("/app/webhook");
  const bell = page.getByRole("button", { name: /^Alerts, \d+ unread$/ });
  await expect(bell).toBeVisible();
  // The bell polls every 15 s; opening it refetches. Wait for the alert by reopening until it is listed.
  await expect(async () => {
    await page.reload();
    await page.getByRole("button", { name: /^Alerts, \d+ unread$/ }).click();
    await expect(page.getByRole("link", { name: subject })).toBeVisible({ timeout: 2000 });
  }).toPass({ timeout: 45_000 });
  const unreadBefore = Number(
    (await page.getByRole("button", { name: /^Alerts, \d+ unread$/ }).getAttribute("aria-label"))?.match(/\d+/)?.[0],
  );
  expect(unreadBefore).toBeGreaterThan(0);
  await page.getByRole("button", { name: `Mark as read: ${subject}` }).click();
  await expect(page.getByRole("button", { name: `Mark as read: ${subject}` })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Alerts, \d+ unread$/ })).not.toHaveAccessibleName(`Alerts, ${unreadBefore} unread`);

  // The webhook's page: Disabled automatically, and Re-enable.
  await page.getByRole("link", { name: subject }).click();
  await expect(page).toHaveURL(new RegExp(`/app/webhook/${encodeURIComponent(hook)}$`));
  await expect(page.getByRole("region", { name: "Health" })).toContainText("Disabled automatically");
  expect(receiver.at(path)).toHaveLength(1);
  await page.getByRole("button", { name: "Re-enable" }).click();
  await expect(page.getByRole("region", { name: "Health" })).toContainText("Healthy");
  await expect(page.getByRole("button", { name: "Re-enable" })).toHaveCount(0);
  await expect(page.getByLabel("Enabled")).toBeChecked();
  // The held retry is released (due already: at once) and delivered.
  await receiver.waitFor(path, 2, 45_000);
});
