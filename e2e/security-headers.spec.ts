// Security headers on every desk page, and a Content-Security-Policy the desk really runs
// under: a nonce on each of Next's scripts, frame-ancestors 'none', and not one CSP
// violation in Chromium's console while the pages load and while Monaco and the live
// preview are used.
import http from "node:http";
import { expect, test, type Page, type Response } from "@playwright/test";
import { baseURL } from "../playwright.config";
import { apiUser, DESK, listen, newUser, signedInContext, tokenApi, unique, webhookWithOneDelivery } from "./helpers";

const s = unique("csp");
const doctype = `CSP Order ${s}`;
const hook = `${s}-hook`;
const jsonHook = `${s}-json`;

let token = "";
let userName = "";
let logName = "";
let eventId = "";
let receiver: http.Server;

test.beforeAll(async ({ request }) => {
  receiver = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end('{"ok":true}');
  });
  const base = `http://127.0.0.1:${await listen(receiver, 0)}`;
  const u = apiUser();
  token = u.token;
  userName = u.email;
  ({ eventId, logName } = await webhookWithOneDelivery(request, token, {
    doctype,
    doc: `${s}-1`,
    webhook: { name: hook, request_url: `${base}/ok` },
    status: "Delivered",
  }));
  await tokenApi(request, token, "POST", "/api/resource/Webhook", {
    name: jsonHook,
    webhook_doctype: "Quotation",
    webhook_docevent: "on_update",
    request_url: "https://example.com/hooks/csp",
    request_structure: "JSON",
    webhook_json: '{"quote": "{{ doc.name }}", "total": {{ doc.total }}}',
  });
});

test.afterAll(async () => {
  await new Promise<void>((resolve) => receiver?.close(() => resolve()) ?? resolve());
});

/** CSP violations and uncaught errors of a page, from its console and its DOM events. */
function watchPage(page: Page) {
  const problems: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  void page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      const w = window as unknown as { __csp?: string[] };
      (w.__csp ??= []).push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  return {
    async check(label: string) {
      const dom = await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []);
      expect([...problems, ...dom], `CSP violations or errors on ${label}`).toEqual([]);
    },
  };
}

/** The headers of a page's response; returns the CSP's script nonce. */
async function expectSecureHeaders(res: Response | null, label: string): Promise<string> {
  expect(res, label).not.toBeNull();
  const h = res?.headers() ?? {};
  expect(h["referrer-policy"], label).toBe("same-origin");
  expect(h["x-content-type-options"], label).toBe("nosniff");
  expect(h["x-frame-options"], label).toBe("DENY");
  const csp = h["content-security-policy"] ?? "";
  const directives = new Map(
    csp
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name ?? "", values]),
  );
  expect(directives.get("frame-ancestors"), `${label}: ${csp}`).toEqual(["'none'"]);
  expect(directives.get("object-src"), label).toEqual(["'none'"]);
  expect(directives.get("base-uri"), label).toEqual(["'self'"]);
  const scripts = directives.get("script-src") ?? [];
  expect(scripts, label).not.toContain("'unsafe-inline'");
  expect(scripts, label).not.toContain("'unsafe-eval'");
  expect(
    scripts.filter((v) => !v.startsWith("'")),
    `${label}: scripts from no other origin`,
  ).toEqual([]);
  const nonce = /^'nonce-([A-Za-z0-9+/=_-]{16,})'$/.exec(scripts.find((v) => v.startsWith("'nonce-")) ?? "")?.[1];
  expect(nonce, `${label}: script-src has a nonce`).toBeTruthy();
  // Each <script> the server sent carries that nonce.
  const html = (await res?.text()) ?? "";
  const tags = html.match(/<script\b[^>]*>/g) ?? [];
  expect(tags.length, label).toBeGreaterThan(0);
  expect(
    tags.filter((t) => !t.includes(` nonce="${nonce}"`)),
    `${label}: scripts without the nonce`,
  ).toEqual([]);
  return nonce ?? "";
}

const deskPages = () => [
  "/",
  "/app",
  "/app/webhook",
  "/app/webhook/new",
  `/app/webhook/${hook}`,
  `/app/webhook/${jsonHook}`,
  "/app/webhook-request-log",
  `/app/webhook-request-log/${logName}`,
  "/app/event",
  `/app/event/${eventId}`,
  "/app/user",
  "/app/user/new",
  `/app/user/${encodeURIComponent(userName)}`,
  "/app/doctype",
  `/app/doctype/${encodeURIComponent(doctype)}`,
  "/app/document/Quotation/QTN-00003",
  "/app/log-settings",
  "/app/webhook/no-such-webhook", // the 404 page
];

test("every desk page sends the security headers and runs without a CSP violation", async ({ page }) => {
  const watch = watchPage(page);
  const nonces = new Set<string>();
  for (const path of deskPages()) {
    const res = await page.goto(path);
    expect(res?.status(), path).toBe(path.endsWith("no-such-webhook") ? 404 : 200);
    nonces.add(await expectSecureHeaders(res, path));
    await page.waitForLoadState("networkidle");
    await watch.check(path);
  }
  expect(nonces.size, "a fresh nonce for every page").toBe(deskPages().length);
});

test("the login page and the 403 page too", async ({ browser }) => {
  const anonymous = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  const page = await anonymous.newPage();
  const watch = watchPage(page);
  await expectSecureHeaders(await page.goto("/login"), "/login");
  await page.waitForLoadState("networkidle");
  await watch.check("/login");
  await anonymous.close();

  const u = newUser(["Desk User"]);
  const { context } = await signedInContext(browser, u.email, u.password);
  const forbidden = await context.newPage();
  const watch403 = watchPage(forbidden);
  const res = await forbidden.goto("/app/webhook");
  expect(res?.status()).toBe(403);
  await expectSecureHeaders(res, "403 page");
  await forbidden.waitForLoadState("networkidle");
  await watch403.check("403 page");
  await context.close();
});

test("JSON answers are not pages: nosniff and a CSP that allows nothing", async ({ request }) => {
  for (const path of ["/api/resource/Webhook", "/api/log-settings"]) {
    const h = (await request.get(path, { headers: { Authorization: token } })).headers();
    expect(h["content-type"], path).toContain("application/json");
    expect(h["x-content-type-options"], path).toBe("nosniff");
    expect(h["content-security-policy"], path).toBe("default-src 'none'; frame-ancestors 'none'");
  }
});

test("Monaco (its workers and styles) works under the CSP: typed text shows in the editor", async ({ page }) => {
  const watch = watchPage(page);
  const workers: string[] = [];
  page.on("worker", (w) => workers.push(w.url()));
  await page.goto("/app/webhook/new");
  await page.getByLabel("DocType").selectOption("Quotation");
  await page.getByLabel("Request Structure").selectOption("JSON");
  const editor = page.locator(".monaco-editor");
  await expect(editor).toBeVisible();
  await editor.locator(".view-lines").click();
  await page.keyboard.press("Control+a");
  await page.keyboard.type("typed under a strict CSP 42");
  await expect(editor.locator(".view-lines")).toContainText("typed under a strict CSP 42");
  await expect(page.getByLabel("JSON Request Body")).toHaveValue("typed under a strict CSP 42");
  // Monaco's own features still run: syntax colours (inline styles). A bracket typed over a
  // selection replaces it: the template editor neither auto-closes nor auto-surrounds (issue 13).
  await page.keyboard.press("Control+a");
  await page.keyboard.type("[");
  await expect(page.getByLabel("JSON Request Body")).toHaveValue("[");
  await expect(editor.locator(".view-lines span[class*='mtk']").first()).toBeVisible();
  expect(workers.length, "Monaco's web workers start").toBeGreaterThan(0);
  expect(
    workers.every((w) => w.startsWith(`${DESK}/`) || w.startsWith("blob:")),
    workers.join(", "),
  ).toBe(true);
  await watch.check("/app/webhook/new with Monaco");
});

test("the webhook form's live preview renders under the CSP", async ({ page }) => {
  const watch = watchPage(page);
  await page.goto(`/app/webhook/${jsonHook}`);
  await expect(page.locator(".monaco-editor")).toBeVisible();
  await page.getByLabel("Select Document").fill("QTN-0000");
  await page.getByRole("option", { name: /QTN-00003/ }).click();
  await expect(page.getByLabel("Meets Condition?")).toHaveValue("Yes");
  await expect(page.getByLabel("Request Body", { exact: true })).toHaveValue('{\n  "quote": "QTN-00003",\n  "total": 49000\n}');
  await expect(page.getByTestId("preview-url")).toHaveText("https://example.com/hooks/csp");
  await watch.check(`/app/webhook/${jsonHook} with the preview`);
});
