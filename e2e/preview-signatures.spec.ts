// The webhook form's Preview is the request the receiver gets (lib/delivery's prepare and
// finalize build both): its Copy as cURL carries real signatures, made at preview time, that
// a receiver's own Standard Webhooks library verifies, and its header list names exactly the
// headers a delivery of the same document arrives with. The receiver is a loopback server in
// this process; signatures are checked with the `standardwebhooks` package (and node:crypto
// for Frappe's), not with the app's code.
import { execFile, execFileSync } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { apiUser, DESK, tokenApi, unique } from "./helpers";
import { Receiver, type Received } from "./receiver";

const run = promisify(execFile);
const SCHEMES = ["frappe", "standard", "both"] as const;
type Scheme = (typeof SCHEMES)[number];

const s = unique("sig");
let receiver: Receiver;
let token = "";

test.beforeAll(async () => {
  receiver = await new Receiver().start();
  token = apiUser().token;
});
test.afterAll(async () => {
  await receiver.close();
});

/** A new DocType, registered by one event, and the document that event stored. */
async function newDoctype(request: APIRequestContext, label: string): Promise<{ doctype: string; doc: string }> {
  const doctype = `${label} ${s}`;
  const doc = `${s}-${label.toLowerCase()}-1`;
  await tokenApi(request, token, "POST", "/api/events", { doctype, event: "on_update", doc: { name: doc, status: "Open", total: 1250 } });
  return { doctype, doc };
}

interface SignedHook {
  name: string;
  path: string;
  secret: string;
  apiKey: string;
}

async function signedWebhook(
  request: APIRequestContext,
  doctype: string,
  scheme: Scheme,
  extra: Record<string, unknown> = {},
): Promise<SignedHook> {
  const name = `${s}-${doctype.split(" ")[0]?.toLowerCase()}-${scheme}`;
  const path = `/${name}`;
  const secret = `whsec_${randomBytes(24).toString("base64")}`;
  const apiKey = `stored-key-${randomBytes(12).toString("hex")}`;
  await tokenApi(request, token, "POST", "/api/resource/Webhook", {
    name,
    webhook_doctype: doctype,
    webhook_docevent: "on_update",
    request_url: `${receiver.base}${path}`,
    webhook_headers: [{ key: "X-Tenant", value: "acme" }],
    webhook_data: [
      { fieldname: "name", key: "name" },
      { fieldname: "status", key: "status" },
      { fieldname: "total", key: "total" },
    ],
    enable_security: 1,
    webhook_secret: secret,
    signature_scheme: scheme,
    api_key: apiKey,
    ...extra,
  });
  return { name, path, secret, apiKey };
}

const header = (h: Received, name: string) => String(h.headers[name] ?? "");

/** What a Standard Webhooks receiver does: throws unless a v1 signature verifies (and the timestamp is recent). */
function standardVerifies(h: Received, secret: string): void {
  new StandardWebhook(secret).verify(h.body, {
    "webhook-id": header(h, "webhook-id"),
    "webhook-timestamp": header(h, "webhook-timestamp"),
    "webhook-signature": header(h, "webhook-signature"),
  });
}

const frappeSignature = (body: string, secret: string) => createHmac("sha256", secret).update(body, "utf8").digest("base64");

/** Opens the saved webhook's form and picks the preview document; resolves with the preview API's answer. */
async function openPreview(page: Page, hook: string, doc: string): Promise<PreviewAnswer> {
  await page.goto(`/app/webhook/${encodeURIComponent(hook)}`);
  const answer = page.waitForResponse(
    (r) => r.url().endsWith("/api/webhook-preview") && (r.request().postDataJSON() as { document?: string }).document === doc,
  );
  await page.getByLabel("Select Document").fill(doc);
  await page.getByRole("option", { name: new RegExp(doc) }).click();
  const res = await answer;
  expect(res.status()).toBe(200);
  return (await res.json()) as PreviewAnswer;
}

interface PreviewAnswer {
  headers: Record<string, string>;
  curl: string;
  request_body: string;
}

let curlChecked = false;
/** Runs a copied command the way a person pasting it into bash does. */
async function runCurl(command: string, env: Record<string, string> = {}): Promise<void> {
  if (!curlChecked) {
    // Debian's curl is on the e2e machines; say so plainly if one lacks it.
    expect(() => execFileSync("sh", ["-c", "command -v curl"]), "curl is installed (apt-get install curl)").not.toThrow();
    curlChecked = true;
  }
  // Straight to the loopback (no proxy), with only the variables given here set by us.
  const { stdout } = await run("bash", ["-c", command], {
    env: { ...process.env, API_KEY: "", NO_PROXY: "*", no_proxy: "*", ...env },
    timeout: 15_000,
  });
  expect(stdout).toContain('"received": true');
}

for (const scheme of ["standard", "both"] as const) {
  test(`Copy as cURL (${scheme}) is signed for now, verifies at the receiver, and keeps a stored API key out`, async ({
    page,
    context,
    request,
  }) => {
    const { doctype, doc } = await newDoctype(request, scheme === "both" ? "Curlboth" : "Curlstd");
    const hook = await signedWebhook(request, doctype, scheme);
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: DESK });

    const preview = await openPreview(page, hook.name, doc);
    // The panel shows the masked signature headers; the command carries the real ones.
    const panel = page.getByTestId("preview-headers");
    await expect(panel).toContainText(/webhook-signature: \*\*\*/);
    if (scheme === "both") await expect(panel).toContainText(/X-Frappe-Webhook-Signature: \*\*\*/);
    await page.getByRole("button", { name: "Copy as cURL" }).click();
    await expect(page.getByRole("status")).toHaveText("Copied cURL to clipboard");
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(preview.curl);
    await expect(page.getByTestId("preview-curl")).toHaveText(copied);
    expect(copied).toMatch(/-H 'webhook-id: msg_\w+'/);
    expect(copied).toMatch(/-H 'webhook-timestamp: \d+'/);
    expect(copied).toMatch(/-H 'webhook-signature: v1,[A-Za-z0-9+/=]+'/);
    if (scheme === "both") expect(copied).toMatch(/-H 'X-Frappe-Webhook-Signature: [A-Za-z0-9+/=]+'/);
    expect(copied).not.toContain("***");
    // The stored key stays on the server: the command asks the shell for it.
    expect(copied).not.toContain(hook.apiKey);
    expect(copied).toContain('-H "X-API-Key: $API_KEY"');

    await runCurl(copied, { API_KEY: hook.apiKey });
    const [got] = await receiver.waitFor(hook.path, 1);
    if (!got) throw new Error("the receiver got nothing");
    expect(() => standardVerifies(got, hook.secret)).not.toThrow();
    expect(() => standardVerifies({ ...got, body: `${got.body} ` }, hook.secret), "a changed body does not verify").toThrow();
    if (scheme === "both") expect(header(got, "x-frappe-webhook-signature")).toBe(frappeSignature(got.body, hook.secret));
    expect(header(got, "x-api-key")).toBe(hook.apiKey);
    expect(header(got, "x-tenant")).toBe("acme");
    expect(JSON.parse(got.body)).toEqual({ name: doc, status: "Open", total: 1250 });

    // An API key typed into the unsaved form is the person's own: the command carries it.
    const typed = `typed-key-${randomBytes(8).toString("hex")}`;
    await page.getByLabel("API Key").fill(typed);
    await expect(page.getByTestId("preview-curl")).toContainText(`-H 'X-API-Key: ${typed}'`);
    const withTyped = (await page.getByTestId("preview-curl").textContent()) ?? "";
    expect(withTyped).not.toContain("$API_KEY");
    await runCurl(withTyped);
    const second = (await receiver.waitFor(hook.path, 2))[1];
    if (!second) throw new Error("the receiver got no second request");
    expect(header(second, "x-api-key")).toBe(typed);
    expect(() => standardVerifies(second, hook.secret)).not.toThrow();
  });
}

/** "***" and the last 4 characters of a value longer than 16, as the desk masks a secret header. */
const masked = (value: string) => (value.length > 16 ? `***${value.slice(-4)}` : "***");

test("the preview lists exactly the headers a delivery arrives with, for every signature scheme", async ({ page, request }) => {
  const { doctype, doc } = await newDoctype(request, "Headers");
  const hooks = new Map<Scheme, SignedHook>();
  for (const scheme of SCHEMES) hooks.set(scheme, await signedWebhook(request, doctype, scheme, { api_key_header: "X-Desk-Key" }));
  // The same document again: one delivery per webhook, signed by the dispatcher at send time.
  await tokenApi(request, token, "POST", "/api/events", { doctype, event: "on_update", doc: { name: doc, status: "Open", total: 1250 } });

  for (const scheme of SCHEMES) {
    const hook = hooks.get(scheme);
    if (!hook) throw new Error(`no ${scheme} webhook`);
    const [got] = await receiver.waitFor(hook.path, 1);
    if (!got) throw new Error(`${scheme}: the receiver got nothing`);
    const preview = await openPreview(page, hook.name, doc);

    // The panel shows what the API answered, one "Name: value" line per header.
    const lines = await page.getByTestId("preview-headers").locator("div").allTextContents();
    expect(lines, `${scheme}: the panel lists the API's headers`).toEqual(Object.entries(preview.headers).map(([k, v]) => `${k}: ${v}`));

    const shown = new Map(Object.entries(preview.headers).map(([k, v]) => [k.toLowerCase(), v]));
    const received = Object.keys(got.headers).filter((k) => k !== "host" && k !== "connection");
    expect([...shown.keys()].sort(), `${scheme}: header names`).toEqual(received.sort());
    const signed =
      scheme === "frappe"
        ? ["x-frappe-webhook-signature"]
        : scheme === "standard"
          ? ["webhook-signature"]
          : ["webhook-signature", "x-frappe-webhook-signature"];
    for (const name of signed) expect(shown.has(name), `${scheme} lists ${name}`).toBe(true);
    expect(shown.has("webhook-timestamp"), `${scheme}: webhook-timestamp only with Standard Webhooks`).toBe(scheme !== "frappe");

    for (const [name, value] of shown) {
      const real = header(got, name);
      if (name === "webhook-id") {
        // Per delivery (the same on its retries): a fresh one for each preview.
        expect(value).toMatch(/^msg_\w+$/);
        expect(real).toMatch(/^msg_\w+$/);
      } else if (name === "webhook-timestamp") {
        expect(Math.abs(Number(value) - Number(real)), "both made within the last minutes").toBeLessThan(300);
      } else if (name === "webhook-signature") {
        // Over id.timestamp.body: another id, another signature. Never shown in clear.
        expect(value).toMatch(/^\*\*\*.{0,4}$/);
        expect(real).toMatch(/^v1,/);
      } else if (name === "x-frappe-webhook-signature" || name === "x-desk-key") {
        // Frappe's signature covers the body alone and the key is the stored one: the same values, masked.
        expect(value, `${scheme}: ${name} masked`).toBe(masked(real));
        expect(value).not.toBe(real);
      } else {
        expect(value, `${scheme}: ${name}`).toBe(real);
      }
    }
    expect(header(got, "x-desk-key")).toBe(hook.apiKey);
    if (scheme !== "frappe") expect(() => standardVerifies(got, hook.secret)).not.toThrow();
    if (scheme !== "standard") expect(header(got, "x-frappe-webhook-signature")).toBe(frappeSignature(got.body, hook.secret));
    expect(preview.request_body.replace(/\s/g, "")).toBe(got.body.replace(/\s/g, ""));
  }
});
