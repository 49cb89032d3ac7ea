// Seed 004's Webhook Settings end to end: a webhook made in the browser with a name, two
// Webhook Events, an API key, the Event Envelope and Standard Webhooks signing; both events
// reach a local receiver signed; Rotate Secret gives two signatures; Send Test shows the
// receiver's answer; the log's verify panel checks a secret. Signatures are checked here
// independently of the app, with node:crypto.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { apiUser, unique } from "./helpers";

interface Hit {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: http.Server;
let base = "";
const hits: Hit[] = [];

test.beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      hits.push({ path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end('{"received": true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
test.afterAll(async () => {
  await new Promise((r) => server.close(r));
});

/** Standard Webhooks verification, as a receiver's library does it (minus the clock check). */
function v1Matches(hit: Hit, secret: string): boolean[] {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const mac = createHmac("sha256", key)
    .update(`${String(hit.headers["webhook-id"])}.${String(hit.headers["webhook-timestamp"])}.${hit.body}`)
    .digest();
  return String(hit.headers["webhook-signature"] ?? "")
    .split(" ")
    .filter((s) => s.startsWith("v1,"))
    .map((s) => {
      const got = Buffer.from(s.slice(3), "base64");
      return got.length === mac.length && timingSafeEqual(got, mac);
    });
}

const frappeSignature = (body: string, secret: string) => createHmac("sha256", secret).update(body).digest("base64");

async function postEvents(request: APIRequestContext, token: string, events: { event: string; doc: Record<string, unknown> }[]) {
  const res = await request.post("/api/events", {
    headers: { Authorization: token },
    data: events.map((e) => ({ doctype: "Quotation", ...e })),
  });
  expect(res.status(), await res.text()).toBe(202);
}

test("Cancel leaves the new-webhook view (asking first when something was typed)", async ({ page }) => {
  await page.goto("/app/webhook/new");
  await expect(page.getByRole("button", { name: "Create" })).toBeVisible();
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page).toHaveURL("/app/webhook");
  await page.goto("/app/webhook/new");
  await page.getByLabel("Webhook Name").fill("typed-then-cancelled");
  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page).toHaveURL("/app/webhook");
});

test("a seed-004 webhook: two events, API key, envelope, signatures, rotation, Send Test and verify", async ({ page, request }) => {
  test.setTimeout(120_000);
  const { token } = apiUser();
  const name = unique("seed4");
  const path = `/seed4/${name}`;
  const secret = `whsec_${randomBytes(24).toString("base64")}`;
  const apiKey = `key-${randomBytes(12).toString("hex")}`;
  const docName = `SQ-${name}`;
  const mine = () => hits.filter((h) => h.path === path);

  await page.goto("/app/webhook/new");
  await page.getByLabel("Webhook Name").fill(name);
  await page.getByLabel("DocType").selectOption("Quotation");
  await page.getByLabel("Doc Event").selectOption("on_update");
  await page.getByRole("group", { name: "Webhook Events" }).getByLabel("on_submit").check();
  await expect(page.getByLabel("Notification Type")).toHaveValue("REST");
  await page.getByLabel("Request URL").fill(`${base}${path}`);
  await page.getByLabel("Request Structure").selectOption("Event Envelope");
  await page.getByLabel("API Key").fill(apiKey);
  await page.getByLabel("Enable Security").check();
  await page.getByLabel("Webhook Secret").fill(secret);
  await page.getByLabel("Signature Scheme").selectOption("both");
  await page.getByRole("button", { name: "Create" }).click();
  await expect(page).toHaveURL(`/app/webhook/${name}`);

  // Both events, one request each, signed both ways, with the API key.
  await postEvents(request, token, [
    { event: "on_update", doc: { name: docName, status: "Draft", total: 100 } },
    { event: "on_submit", doc: { name: docName, status: "Submitted", total: 100, docstatus: 1 } },
  ]);
  await expect.poll(() => mine().length, { timeout: 15_000 }).toBe(2);
  const types = mine().map((h) => (JSON.parse(h.body) as { event_type: string }).event_type);
  expect(types.sort()).toEqual(["Quotation.on_submit", "Quotation.on_update"]);
  for (const h of mine()) {
    const body = JSON.parse(h.body) as Record<string, unknown>;
    expect(body.current_context).toMatchObject({ doctype: "Quotation", name: docName });
    expect(String(body.event_time)).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(h.headers["x-api-key"]).toBe(apiKey);
    expect(v1Matches(h, secret)).toEqual([true]);
    expect(h.headers["x-frappe-webhook-signature"]).toBe(frappeSignature(h.body, secret));
  }

  // Rotate: the new secret is shown once; the old one keeps signing alongside it.
  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "Rotate Secret" }).click();
  await expect(page.getByTestId("rotated-secret")).toContainText("Previous secret keeps signing until");
  const newSecret = ((await page.getByTestId("new-secret").textContent()) ?? "").trim();
  expect(newSecret).toMatch(/^whsec_/);
  await postEvents(request, token, [{ event: "on_update", doc: { name: docName, status: "Updated", total: 120 } }]);
  await expect.poll(() => mine().length, { timeout: 15_000 }).toBe(3);
  const rotated = mine()[2];
  if (!rotated) throw new Error("no third request");
  expect(String(rotated.headers["webhook-signature"]).split(" ")).toHaveLength(2);
  expect(v1Matches(rotated, newSecret).filter(Boolean)).toHaveLength(1);
  expect(v1Matches(rotated, secret).filter(Boolean)).toHaveLength(1);
  expect(rotated.headers["x-frappe-webhook-signature"]).toBe(frappeSignature(rotated.body, newSecret));

  // Send Test: the receiver's answer inline, and a link to the test's log row.
  await expect(page.getByRole("button", { name: "Send Test" })).toBeDisabled();
  await page.getByLabel("Select Document").fill(docName);
  await page.getByRole("option", { name: new RegExp(docName) }).click();
  await page.getByRole("button", { name: "Send Test" }).click();
  const result = page.getByTestId("test-result");
  await expect(result).toContainText("HTTP 200");
  await expect(result).toContainText('"received": true');
  expect(mine()).toHaveLength(4);
  expect(mine()[3]?.headers["x-api-key"]).toBe(apiKey);

  await result.getByRole("link", { name: "View Log" }).click();
  await expect(page).toHaveURL(/\/app\/webhook-request-log\/log_/);
  await expect(page.locator(".page-head").getByText("Test", { exact: true })).toBeVisible();
  await page.getByLabel("Secret", { exact: true }).fill(newSecret);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByTestId("verdict-standard")).toContainText("Signature matches");
  await expect(page.getByTestId("verdict-frappe")).toContainText("Signature matches");
  await page.getByLabel("Secret", { exact: true }).fill(`whsec_${randomBytes(24).toString("base64")}`);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByTestId("verdict-standard")).toContainText("Signature does not match");
  await expect(page.getByTestId("verdict-frappe")).toContainText("Signature does not match");
});
