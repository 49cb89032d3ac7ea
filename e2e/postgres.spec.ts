// The PostgreSQL smoke test: project "postgres" (playwright.config.ts), against a second server
// running the same build on DATABASE_URL=postgres://… (scripts/e2e-server.sh <port> pg, a fresh
// database e2e_desk). The desk's main path end to end, through the desk wherever a person would
// use it: sign in, an API key from the User page, a webhook made in the Webhook form, an event
// POSTed to /api/events with that key, the request Delivered at a loopback receiver, its row
// Delivered in the Webhook Request Log, and the row's detail. Everything else e2e runs on SQLite;
// the service-level suites run on both (scripts/test-pg.sh).
import { expect, test, type APIRequestContext } from "@playwright/test";
import { ADMIN_PASSWORD, login, unique } from "./helpers";
import { Receiver } from "./receiver";

let receiver: Receiver;
test.beforeAll(async () => {
  receiver = await new Receiver().start();
});
test.afterAll(async () => {
  await receiver.close();
});

async function postEvent(request: APIRequestContext, token: string, data: Record<string, unknown>) {
  const res = await request.post("/api/events", { headers: { Authorization: token }, data });
  expect(res.status(), await res.text()).toBe(202);
  return (await res.json()) as { events: { id: string; deliveries: { webhook: string; request_log: string }[] }[] };
}

test("on PostgreSQL: sign in, create a webhook, post an event, see it Delivered in the Request Log", async ({ page, request }) => {
  test.setTimeout(120_000);
  const s = unique("pg");
  const doctype = `PG Smoke ${s}`;
  const hook = `${s}-hook`;
  const path = `/${hook}`;

  await test.step("sign in as Administrator", async () => {
    await login(page, "Administrator", ADMIN_PASSWORD);
    await expect(page).toHaveURL(/\/app$/);
    await expect(page.getByTestId("current-user")).toHaveText("Administrator");
  });

  let token = "";
  await test.step("generate an API key on the User page", async () => {
    await page.goto("/app/user/Administrator");
    await page.getByRole("button", { name: "Generate Keys" }).click();
    const key = await page.getByTestId("api-key-value").textContent();
    const secret = await page.getByTestId("api-secret-value").textContent();
    expect(key && secret, "the key and its secret are shown once").toBeTruthy();
    token = `token ${key}:${secret}`;
  });

  await test.step("a first event registers the DocType", async () => {
    const r = await postEvent(request, token, { doctype, event: "on_update", doc: { name: `${s}-seed`, status: "Draft" } });
    expect(r.events[0]?.deliveries).toEqual([]);
  });

  await test.step("create the webhook in the desk form", async () => {
    await page.goto("/app/webhook/new");
    await page.getByLabel("Webhook Name").fill(hook);
    await page.getByLabel("DocType").selectOption(doctype);
    await page.getByLabel("Doc Event").selectOption("on_update");
    await page.getByLabel("Request URL").fill(`${receiver.base}${path}`);
    const data = page.getByRole("table", { name: "Data" });
    await page.getByRole("button", { name: "Add Row" }).nth(1).click();
    await data.getByLabel("Fieldname 1").selectOption("name");
    await page.getByRole("button", { name: /^(Create|Save)$/ }).click();
    await expect(page).toHaveURL(`/app/webhook/${hook}`);
    await expect(page.getByRole("heading", { name: hook })).toBeVisible();
  });

  let log = "";
  await test.step("POST an event with the API key: the receiver gets the request", async () => {
    const r = await postEvent(request, token, { doctype, event: "on_update", doc: { name: `${s}-1`, status: "Open" } });
    const delivery = r.events[0]?.deliveries.find((d) => d.webhook === hook);
    log = delivery?.request_log ?? "";
    expect(log, "the event queued a delivery to the webhook").toBeTruthy();
    const [hit] = await receiver.waitFor(path, 1, 30_000);
    expect(JSON.parse(hit?.body ?? "{}")).toEqual({ name: `${s}-1` });
  });

  await test.step("the Webhook Request Log lists it as Delivered", async () => {
    await page.goto(`/app/webhook-request-log?webhook=${encodeURIComponent(hook)}`);
    const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: log, exact: true }) });
    // The list is rendered on the server: reload until the outcome is recorded.
    await expect(async () => {
      await page.reload();
      await expect(row).toContainText("Delivered", { timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
    await expect(row).toContainText(doctype);
    await expect(page.getByTestId("list-count")).toHaveText("1 of 1");
  });

  await test.step("open the log's detail", async () => {
    await page.getByRole("link", { name: log, exact: true }).click();
    await expect(page).toHaveURL(`/app/webhook-request-log/${log}`);
    await expect(page.getByRole("heading", { name: log })).toBeVisible();
    await expect(page.getByLabel("Status", { exact: true })).toHaveText("Delivered");
    await expect(page.locator('[data-field="HTTP Status"] dd')).toHaveText("200");
    await expect(page.getByLabel("Webhook", { exact: true })).toHaveText(hook);
    await expect(page.getByLabel("Data")).toContainText(`"name": "${s}-1"`);
    await expect(page.getByLabel("Response")).toContainText('"received": true');
    await expect(page.getByTestId("attempt")).toHaveCount(1);
  });
  expect(receiver.at(path), "sent exactly once").toHaveLength(1);
});
