// What the desk does to a webhook's pending retry: disabling the webhook holds it (the log's
// Next Retry reads "held: webhook disabled" and nothing is sent), enabling releases it (sent
// at once, delivered); deleting the webhook cancels it (status Cancelled with the reason, and
// the retry never goes). The receiver is a loopback server in this process whose first answer
// is 503 with Retry-After, so each retry is due at a time the test knows.
//
// "Nothing was sent" is shown without sleeping: a witness webhook, failed after the one under
// test and asked to retry later than it, gets its own retry — the dispatcher was running and
// past the held (or cancelled) retry's due time — and only then is the receiver checked.
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { apiUser, LOGS_API, tokenApi, unique } from "./helpers";
import { Receiver, retryAfter } from "./receiver";

/** Seconds the first failure asks for: time enough to act in the desk before the retry is due. */
const RETRY_AFTER_S = 8;
/** The Request Log page's Next Retry of a held request (lib/constants.ts HELD_TEXT). */
const HELD_TEXT = "held: webhook disabled";

const s = unique("hold");
let receiver: Receiver;
let token = "";

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  receiver = await new Receiver().start();
  token = apiUser().token;
});
test.afterAll(async () => {
  await receiver.close();
});

interface Pending {
  hook: string;
  path: string;
  log: string;
  /** Epoch ms the retry comes due (the failed attempt's answer + Retry-After). */
  dueAt: number;
}

/**
 * A webhook on a DocType of its own whose first request fails with a Retry-After of
 * `retryAfterS` seconds: returns once its log is Failed with that retry pending.
 */
async function failedOnce(request: APIRequestContext, label: string, retryAfterS: number): Promise<Pending> {
  const hook = `${s}-${label}`;
  const path = `/${hook}`;
  const doctype = `Hold ${label} ${s}`;
  await tokenApi(request, token, "POST", "/api/events", { doctype, event: "on_update", doc: { name: `${hook}-seed` } });
  await tokenApi(request, token, "POST", "/api/resource/Webhook", {
    name: hook,
    webhook_doctype: doctype,
    webhook_docevent: "on_update",
    request_url: `${receiver.base}${path}`,
    webhook_data: [{ fieldname: "name", key: "name" }],
    max_retries: 3,
  });
  receiver.script(path, retryAfter(retryAfterS));
  const r = (await tokenApi(request, token, "POST", "/api/events", { doctype, event: "on_update", doc: { name: `${hook}-1` } })) as {
    events: { deliveries: { request_log: string }[] }[];
  };
  const log = r.events[0]?.deliveries[0]?.request_log ?? "";
  expect(log, `${hook} queued a delivery`).toBeTruthy();
  const [first] = await receiver.waitFor(path, 1);
  await expect.poll(async () => (await logOf(request, log)).status, { timeout: 10_000 }).toBe("Failed");
  return { hook, path, log, dueAt: (first?.at ?? Date.now()) + retryAfterS * 1000 };
}

async function logOf(request: APIRequestContext, log: string): Promise<{ status: string; attempts: number; error: string | null }> {
  return (
    (await tokenApi(request, token, "GET", `${LOGS_API}/${log}`)) as { data: { status: string; attempts: number; error: string | null } }
  ).data;
}

/**
 * Waits until the dispatcher has sent a retry due later than `after`: a witness webhook that
 * fails now and asks to be retried a second past it. When its retry arrives, a retry due at
 * `after` that was not sent by then was not sent at all.
 */
async function dispatcherPast(request: APIRequestContext, label: string, after: number): Promise<void> {
  const witness = await failedOnce(request, label, Math.max(1, Math.ceil((after - Date.now()) / 1000) + 1));
  expect(witness.dueAt).toBeGreaterThan(after);
  const hits = await receiver.waitFor(witness.path, 2, 30_000);
  expect(hits[1]?.at ?? 0).toBeGreaterThan(after);
}

async function setEnabled(page: Page, request: APIRequestContext, hook: string, enabled: boolean): Promise<void> {
  await page.goto(`/app/webhook/${encodeURIComponent(hook)}`);
  const box = page.getByLabel("Enabled");
  if (enabled) await box.check();
  else await box.uncheck();
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Not Saved")).toHaveCount(0);
  await expect
    .poll(
      async () =>
        ((await tokenApi(request, token, "GET", `/api/resource/Webhook/${encodeURIComponent(hook)}`)) as { data: { enabled: number } }).data
          .enabled,
    )
    .toBe(enabled ? 1 : 0);
}

const field = (page: Page, label: string) => page.getByLabel(label, { exact: true });

test("disabling a webhook holds its pending retry; enabling it sends the retry at once", async ({ page, request }) => {
  test.setTimeout(90_000);
  const held = await failedOnce(request, "held", RETRY_AFTER_S);
  await page.goto(`/app/webhook-request-log/${held.log}`);
  await expect(field(page, "Next Retry")).not.toHaveText("");

  await setEnabled(page, request, held.hook, false);
  expect(Date.now(), "disabled before the retry was due").toBeLessThan(held.dueAt);
  await page.goto(`/app/webhook-request-log/${held.log}`);
  await expect(field(page, "Status")).toHaveText("Failed");
  await expect(field(page, "Next Retry")).toHaveText(HELD_TEXT);

  // Past its due time, the held retry is not sent.
  await dispatcherPast(request, "held-witness", held.dueAt);
  expect(receiver.at(held.path)).toHaveLength(1);
  await page.reload();
  await expect(field(page, "Next Retry")).toHaveText(HELD_TEXT);
  expect((await logOf(request, held.log)).attempts).toBe(1);

  // Enabled again: its time has passed, so it goes now, with the same webhook-id.
  await setEnabled(page, request, held.hook, true);
  const hits = await receiver.waitFor(held.path, 2);
  expect(hits[1]?.headers["webhook-id"]).toBe(hits[0]?.headers["webhook-id"]);
  await expect.poll(async () => (await logOf(request, held.log)).status, { timeout: 10_000 }).toBe("Delivered");
  await page.goto(`/app/webhook-request-log/${held.log}`);
  await expect(field(page, "Status")).toHaveText("Delivered");
  await expect(field(page, "Attempts")).toHaveText("2");
  await expect(field(page, "Next Retry")).toHaveText("");
  await expect(page.getByTestId("attempt")).toHaveCount(2);
});

test("deleting a webhook cancels its pending retry: the log says Cancelled and why, and the retry never goes", async ({
  page,
  request,
}) => {
  test.setTimeout(90_000);
  const doomed = await failedOnce(request, "doomed", RETRY_AFTER_S);

  await page.goto(`/app/webhook/${encodeURIComponent(doomed.hook)}`);
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Yes, Delete" }).click();
  await expect(page).toHaveURL("/app/webhook");
  expect(Date.now(), "deleted before the retry was due").toBeLessThan(doomed.dueAt);

  const reason = `Cancelled: the webhook ${doomed.hook} was deleted`;
  await expect.poll(async () => logOf(request, doomed.log)).toMatchObject({ status: "Cancelled", error: reason, attempts: 1 });
  await page.goto(`/app/webhook-request-log/${doomed.log}`);
  const status = field(page, "Status").locator(".indicator");
  await expect(status).toHaveText("Cancelled");
  // Gray: neither a failure (red) nor pending (orange, blue).
  await expect(status).toHaveClass(/\bgray\b/);
  await expect(status).toHaveCSS("color", "rgb(82, 91, 100)");
  await expect(field(page, "Error")).toHaveText(reason);
  await expect(field(page, "Next Retry")).toHaveText("");
  await expect(page.getByTestId("attempt")).toHaveCount(1);

  // The list offers Cancelled among its statuses and finds the row by it.
  await page.goto(`/app/webhook-request-log?reference_document=${encodeURIComponent(`${doomed.hook}-1`)}`);
  const select = page.getByLabel("Status");
  await expect(select.locator("option")).toContainText(["Queued", "Delivered", "Failed", "Exhausted", "Error", "Cancelled"]);
  await select.selectOption("Cancelled");
  await expect(page).toHaveURL(/status=Cancelled/);
  await expect(page.getByTestId("list-count")).toHaveText("1 of 1");
  const row = page.getByRole("row").filter({ hasText: doomed.log });
  await expect(row.locator(".indicator", { hasText: "Cancelled" })).toHaveClass(/\bgray\b/);

  // Past its due time, the cancelled retry was not sent.
  await dispatcherPast(request, "doomed-witness", doomed.dueAt);
  expect(receiver.at(doomed.path)).toHaveLength(1);
  expect((await logOf(request, doomed.log)).status).toBe("Cancelled");
});
