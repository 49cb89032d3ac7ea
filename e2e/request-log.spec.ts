// Webhook Request Log end to end: events that succeed, fail and retry against a local
// receiver; the list, a row, Resend, Re-render and send, bulk resend, the chart on the
// webhook, the routing trail of a condition that was False, and retention.
import http from "node:http";
import type { AddressInfo } from "node:net";
import Database from "better-sqlite3";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { apiUser, E2E_DATABASE_URL, unique } from "./helpers";

const LOGS_API = "/api/resource/Webhook%20Request%20Log";

interface LogRow {
  name: string;
  webhook: string;
  status: string;
  attempts: number;
  reference_document: string;
}

let server: http.Server;
let base = "";
const hits: { path: string; body: string }[] = [];
let token = "";
const s = unique("rl");
const doctype = `RL Order ${s}`;
const hook = { ok: `${s}-ok`, fail: `${s}-fail`, gone: `${s}-gone`, cond: `${s}-cond` };
let condEvent = "";

async function postEvent(request: APIRequestContext, doc: Record<string, unknown>, event = "on_update") {
  const res = await request.post("/api/events", { headers: { Authorization: token }, data: { doctype, event, doc } });
  expect(res.status(), await res.text()).toBe(202);
  return (await res.json()) as { events: { id: string; deliveries: { webhook: string; request_log: string }[] }[] };
}

async function logs(request: APIRequestContext, query: Record<string, string>): Promise<LogRow[]> {
  const res = await request.get(`${LOGS_API}?${new URLSearchParams({ ...query, limit: "100" })}`, { headers: { Authorization: token } });
  expect(res.status(), await res.text()).toBe(200);
  return ((await res.json()) as { data: LogRow[] }).data;
}

async function createWebhook(request: APIRequestContext, name: string, path: string, extra: Record<string, unknown> = {}) {
  const res = await request.post("/api/resource/Webhook", {
    headers: { Authorization: token },
    data: {
      name,
      webhook_doctype: doctype,
      webhook_docevent: "on_update",
      request_url: `${base}${path}`,
      request_structure: "",
      webhook_data: [
        { fieldname: "name", key: "name" },
        { fieldname: "status", key: "status" },
      ],
      condition: "",
      enabled: 1,
      ...extra,
    },
  });
  expect(res.status(), await res.text()).toBeLessThan(300);
}

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ request }) => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      hits.push({ path: req.url ?? "", body });
      const status = req.url?.startsWith("/fail") ? 500 : req.url?.startsWith("/gone") ? 410 : 200;
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(status === 200 ? { received: true, path: req.url } : { error: `receiver says ${status}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  token = apiUser().token;
  // The first event registers the DocType, so webhooks can be set up on it.
  await postEvent(request, { name: `${s}-seed`, status: "Draft" });
  await createWebhook(request, hook.ok, "/ok");
  await createWebhook(request, hook.fail, "/fail", { max_retries: 1 });
  await createWebhook(request, hook.gone, "/gone");
  await createWebhook(request, hook.cond, "/ok", { condition: 'doc.status == "Open"' });
  const r = await postEvent(request, { name: `${s}-1`, status: "Draft" });
  condEvent = r.events[0]?.id ?? "";
  for (let i = 2; i <= 3; i++) await postEvent(request, { name: `${s}-${i}`, status: "Draft" });
  // Delivered, retried then Exhausted (max_retries 1, schedule 1 s), and Exhausted at once on 410.
  await expect.poll(async () => (await logs(request, { webhook: hook.fail, status: "Exhausted" })).length, { timeout: 20_000 }).toBe(3);
  await expect.poll(async () => (await logs(request, { webhook: hook.ok, status: "Delivered" })).length, { timeout: 20_000 }).toBe(3);
});

test.afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test("users cannot create log rows by hand", async ({ request }) => {
  const res = await request.post(LOGS_API, { headers: { Authorization: token }, data: { webhook: hook.ok } });
  expect(res.status()).toBe(405);
  expect((await res.json()).error.code).toBe("METHOD_NOT_ALLOWED");
});

test("filter the list by status and read a request and its response", async ({ page, request }) => {
  await page.goto(`/app/webhook-request-log?webhook=${encodeURIComponent(hook.fail)}`);
  await expect(page.getByRole("link", { name: "New" })).toHaveCount(0);
  await page.getByLabel("Status").selectOption("Exhausted");
  await expect(page).toHaveURL(/status=Exhausted/);
  await expect(page.getByTestId("list-count")).toHaveText("3 of 3");
  const [delivered] = await logs(request, { webhook: hook.ok, reference_document: `${s}-1` });
  expect(delivered).toBeDefined();
  await page.goto(`/app/webhook-request-log?webhook=${encodeURIComponent(hook.ok)}&status=Delivered`);
  await page.getByRole("link", { name: delivered?.name ?? "" }).click();
  await expect(page.getByRole("heading", { name: delivered?.name ?? "" })).toBeVisible();
  await expect(page.getByLabel("Data")).toContainText(`"name": "${s}-1"`);
  await expect(page.getByLabel("Response")).toContainText('"received": true');
  await expect(page.locator('[data-field="HTTP Status"] dd')).toHaveText("200");
  await expect(page.getByTestId("attempt")).toHaveCount(1);
});

test("resend one request and see the new manual attempt", async ({ page, request }) => {
  const [log] = await logs(request, { webhook: hook.gone });
  await page.goto(`/app/webhook-request-log/${log?.name}`);
  await expect(page.getByTestId("attempt")).toHaveCount(1);
  const before = hits.filter((h) => h.path === "/gone").length;
  await page.getByRole("button", { name: "Resend", exact: true }).click();
  await expect(page.getByTestId("attempt")).toHaveCount(2, { timeout: 15_000 });
  await expect(page.getByTestId("attempt").first()).toContainText("manual");
  // Exactly one manual attempt; the log keeps its terminal status and gets no Next Retry.
  await expect(page.getByLabel("Attempts", { exact: true })).toHaveText("2");
  await expect(page.getByLabel("Status", { exact: true })).toHaveText("Exhausted");
  await expect(page.getByLabel("Next Retry", { exact: true })).toHaveText("");
  await expect(page.getByLabel("URL", { exact: true })).toHaveText(`${base}/gone`);
  await expect(page.getByLabel("Webhook", { exact: true })).toHaveText(hook.gone);
  expect(hits.filter((h) => h.path === "/gone").length).toBe(before + 1);
});

test("bulk-resend the filtered failures", async ({ page, request }) => {
  await page.goto(`/app/webhook-request-log?webhook=${encodeURIComponent(hook.fail)}&status=Exhausted`);
  await page.getByRole("button", { name: "Resend", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Resend 3 requests?" });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Resend 3" }).click();
  await expect(page.getByTestId("bulk-resend-progress")).toContainText("Resent 3 of 3", { timeout: 15_000 });
  // Each gets exactly one manual attempt, fails again, and is not retried after it.
  await expect
    .poll(async () => (await logs(request, { webhook: hook.fail })).map((l) => `${l.attempts} ${l.status}`), { timeout: 20_000 })
    .toEqual(["3 Exhausted", "3 Exhausted", "3 Exhausted"]);
  await page.waitForTimeout(1500);
  expect((await logs(request, { webhook: hook.fail })).map((l) => l.attempts)).toEqual([3, 3, 3]);
  const [one] = await logs(request, { webhook: hook.fail });
  await page.goto(`/app/webhook-request-log/${one?.name}`);
  await expect(page.getByLabel("Error", { exact: true })).toHaveText(/^Manual resend failed: HTTP 500/);
  await expect(page.getByLabel("HTTP Status", { exact: true })).toHaveText("500");
});

test("the webhook form shows its delivery chart and health", async ({ page }) => {
  await page.goto(`/app/webhook/${encodeURIComponent(hook.fail)}`);
  await expect(page.getByRole("group", { name: "Webhook Events" })).toHaveCount(1);
  await expect(page.getByLabel("Webhook Events", { exact: true })).toHaveCount(1);
  const panel = page.getByRole("region", { name: "Deliveries" });
  await expect(panel.getByRole("img", { name: "Deliveries per hour" })).toBeVisible();
  await expect(panel.locator("rect.bar-failed").first()).toBeVisible();
  await expect(panel.getByTestId("consecutive-failures")).toHaveText("3");
  await panel.getByRole("button", { name: "7 days" }).click();
  await expect(panel.getByRole("button", { name: "7 days" })).toHaveAttribute("aria-pressed", "true");
  await panel.getByRole("link", { name: /Exhausted 3/ }).click();
  await expect(page).toHaveURL(/webhook-request-log\?webhook=.*&status=Exhausted/);
});

test("the routing trail explains a condition that was False", async ({ page, request }) => {
  const [log] = await logs(request, { webhook: hook.ok, reference_document: `${s}-1` });
  await page.goto(`/app/webhook-request-log/${log?.name}`);
  await page.getByRole("link", { name: "View Event" }).click();
  await expect(page).toHaveURL(new RegExp(`/app/event/${condEvent}$`));
  const row = page.getByRole("table", { name: "Routing" }).getByRole("row").filter({ hasText: hook.cond });
  await expect(row).toContainText("No");
  await expect(row).toContainText("Condition was False");
  await expect(row).toContainText('doc.status == "Open"');
  await expect(row).toContainText('doc.status = "Draft"');
  const ok = page.getByRole("table", { name: "Routing" }).getByRole("row").filter({ hasText: hook.ok });
  await expect(ok).toContainText("Yes");
});

test("re-render says so when nothing changed", async ({ page, request }) => {
  const [log] = await logs(request, { webhook: hook.ok, reference_document: `${s}-3` });
  await page.goto(`/app/webhook-request-log/${log?.name}`);
  await page.getByRole("button", { name: "Re-render and send" }).click();
  const dialog = page.getByRole("dialog", { name: "Re-render and send" });
  await expect(dialog.getByTestId("rerender-diff")).toHaveText("No differences: the re-rendered request is the same as the original.");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toHaveCount(0);
});

test("the list fits its card at 1400 px, Created included", async ({ page }) => {
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.goto(`/app/webhook-request-log?webhook=${encodeURIComponent(hook.ok)}`);
  const table = page.getByRole("table");
  await expect(table.getByRole("row")).not.toHaveCount(1);
  const fits = await table.evaluate((t) => {
    const card = t.closest(".card")?.getBoundingClientRect();
    const created = [...t.querySelectorAll("th")].find((th) => th.textContent?.includes("Created"))?.getBoundingClientRect();
    return !!card && !!created && t.scrollWidth <= (t.parentElement?.clientWidth ?? 0) && created.right <= card.right;
  });
  expect(fits).toBe(true);
  // Long URLs end in an ellipsis at ~220 px; the full URL is the title.
  const url = table.getByTitle(`${base}/ok`, { exact: true }).first();
  await expect(url).toHaveCSS("max-width", "220px");
  await expect(url).toHaveCSS("text-overflow", "ellipsis");
});

test("re-render and send shows the diff against the original first", async ({ page, request }) => {
  const [log] = await logs(request, { webhook: hook.ok, reference_document: `${s}-2` });
  // The document changes after the request was logged.
  await postEvent(request, { name: `${s}-2`, status: "Closed" });
  await page.goto(`/app/webhook-request-log/${log?.name}`);
  await page.getByRole("button", { name: "Re-render and send" }).click();
  const dialog = page.getByRole("dialog", { name: "Re-render and send" });
  await expect(dialog.getByTestId("rerender-diff")).toContainText('-  "status": "Draft"');
  await expect(dialog.getByTestId("rerender-diff")).toContainText('+  "status": "Closed"');
  await dialog.getByRole("button", { name: "Send" }).click();
  await expect(page.getByTestId("attempt")).toHaveCount(2, { timeout: 15_000 });
  await expect(page.getByLabel("Data")).toContainText('"status": "Closed"');
});

test("retention: old rows go when the logs are cleared", async ({ page, request }) => {
  const old = await logs(request, { webhook: hook.gone });
  expect(old.length).toBeGreaterThan(0);
  const db = new Database(E2E_DATABASE_URL.slice("file:".length));
  db.pragma("busy_timeout = 5000");
  db.prepare(`UPDATE webhook_request_log SET created = ? WHERE webhook = ?`).run(Date.now() - 40 * 86_400_000, hook.gone);
  db.close();
  await page.goto("/app/log-settings");
  await page.getByLabel("Retention Days").fill("31");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status")).toHaveText("Saved");
  await page.getByRole("button", { name: "Clear Old Logs Now" }).click();
  await expect(page.getByRole("status")).toContainText(/Deleted [1-9]\d* request log/);
  expect(await logs(request, { webhook: hook.gone })).toHaveLength(0);
  const res = await page.goto(`/app/webhook-request-log/${old[0]?.name}`);
  expect(res?.status()).toBe(404);
});
