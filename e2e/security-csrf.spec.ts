// CSRF in real Chromium: a signed-in System Manager (the victim) opens an attacker's page on
// another port of the loopback, which tries every state-changing action of the desk with the
// victim's cookie — fetch() with credentials and each content type a page may send without a
// CORS preflight, preflighted PUT/DELETE, and auto-submitted HTML forms. Afterwards the REST
// API (with an API token) shows that none of them took effect and the victim is still signed in.
//
// Two attacker origins:
//   http://127.0.0.1:<port>  another site: SameSite=Lax keeps the cookie off these requests;
//   http://localhost:<port>  the same site as the desk (ports do not make sites), so the
//                            cookie IS sent — only the guard's Origin check stops these.
import http from "node:http";
import { expect, test, type APIRequestContext, type BrowserContext, type Page } from "@playwright/test";
import {
  apiUser,
  DESK,
  listen,
  LOGS_API,
  newUser,
  sessionCookie,
  signedInContext,
  tokenApi,
  unique,
  webhookWithOneDelivery,
} from "./helpers";

const s = unique("csrf");
const doctype = `CSRF Order ${s}`;
const docName = `${s}-1`;
const hook = `${s}-hook`;
const intruder = `${s}-intruder@example.com`;

let admin = ""; // a System Manager's API token: sets things up and reads the state
let victim = { email: "", password: "" };
let victimToken = "";
let victimKey = ""; // the key the attacker tries to revoke
let attacker = { email: "", password: "" }; // for a sign-in CSRF (log the victim in as the attacker)
let logName = "";
let victimContext: BrowserContext;
let victimCookie = "";

// Where the webhook delivers: records every request.
let receiver: http.Server;
let receiverBase = "";
const hits: string[] = [];

// The attacker's pages, on 127.0.0.1 and ::1 at one port (Chromium may resolve localhost to either).
const attackerServers: http.Server[] = [];
let attackerPort = 0;

interface Attack {
  label: string;
  method: "POST" | "PUT" | "DELETE";
  path: string;
  body?: Record<string, unknown>;
}

function attacks(): Attack[] {
  const user = encodeURIComponent(victim.email);
  return [
    {
      label: "create a System Manager user",
      method: "POST",
      path: "/api/resource/User",
      body: { email: intruder, password: "intruder-pass-1", roles: ["System Manager"] },
    },
    {
      label: "update the webhook and set its secret",
      method: "PUT",
      path: `/api/resource/Webhook/${hook}`,
      body: { request_url: "http://127.0.0.1:9/stolen", enable_security: 1, webhook_secret: "attacker-secret" },
    },
    {
      label: "rotate the webhook's secret",
      method: "POST",
      path: `/api/resource/Webhook/${hook}/rotate-secret`,
      body: { new_secret: "attacker-secret" },
    },
    { label: "rotate the webhook's secret (no body)", method: "POST", path: `/api/resource/Webhook/${hook}/rotate-secret` },
    { label: "create an API key", method: "POST", path: `/api/resource/User/${user}/api-key` },
    { label: "revoke an API key", method: "DELETE", path: `/api/resource/User/${user}/api-key/${victimKey}` },
    { label: "resend a log row", method: "POST", path: `/api/webhook-request-log/${logName}/resend` },
    { label: "re-render and send a log row", method: "POST", path: `/api/webhook-request-log/${logName}/rerender` },
    { label: "bulk resend", method: "POST", path: "/api/webhook-request-log/bulk-resend", body: { names: [logName] } },
    { label: "purge old logs", method: "POST", path: "/api/log-settings?action=purge" },
    { label: "change log settings", method: "PUT", path: "/api/log-settings", body: { retention_days: 1 } },
    { label: "delete the webhook", method: "DELETE", path: `/api/resource/Webhook/${hook}` },
    {
      label: "send a webhook test",
      method: "POST",
      path: "/api/webhook-test",
      body: {
        webhook: {
          name: hook,
          webhook_doctype: doctype,
          webhook_docevent: "on_update",
          request_url: `${receiverBase}/csrf-test`,
          webhook_data: [{ fieldname: "name", key: "name" }],
        },
        document: docName,
      },
    },
    // Last: had either worked, the actions above would have run without the victim's session.
    { label: "sign out", method: "POST", path: "/api/logout" },
    {
      label: "sign in as the attacker",
      method: "POST",
      path: "/api/login",
      body: { username: attacker.email, password: attacker.password },
    },
  ];
}

const SIMPLE_TYPES = [
  "text/plain",
  "text/plain; application/json",
  "application/x-www-form-urlencoded",
  "multipart/form-data",
  "none",
] as const;
const FORM_TYPES = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"] as const;

const html = (body: string) => `<!doctype html><html><head><meta charset="utf-8"><title>prize</title></head><body>${body}</body></html>`;
const escapeAttr = (v: string) => v.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

/** The attacker's fetch() page: every attack, each way a page can send it, one after another. */
function fetchPage(list: Attack[]): string {
  const script = `
    const attacks = ${JSON.stringify(list.map((a) => ({ ...a, url: DESK + a.path })))};
    const types = ${JSON.stringify(SIMPLE_TYPES)};
    async function attempt(a, init, label) {
      try {
        const r = await fetch(a.url, { credentials: "include", ...init });
        return { attack: a.label, how: label, outcome: r.type === "opaque" ? "sent (opaque)" : "read " + r.status };
      } catch (e) {
        return { attack: a.label, how: label, outcome: "blocked: " + e.name };
      }
    }
    (async () => {
      const results = [];
      for (const a of attacks) {
        const json = a.body ? JSON.stringify(a.body) : "";
        if (a.method === "POST") {
          for (const t of types) {
            const init = { method: "POST", mode: "no-cors" };
            if (t === "multipart/form-data") {
              const fd = new FormData();
              for (const [k, v] of Object.entries(a.body || {})) fd.append(k, typeof v === "string" ? v : JSON.stringify(v));
              fd.append("json", json);
              init.body = fd;
            } else if (t !== "none") {
              init.headers = { "Content-Type": t };
              init.body = t === "application/x-www-form-urlencoded" ? json + "=" : json;
            }
            results.push(await attempt(a, init, "no-cors " + t));
          }
        }
        // Anything else needs a CORS preflight, which the desk never grants.
        results.push(await attempt(a, { method: a.method, mode: "cors", headers: { "Content-Type": "application/json" }, body: json || "{}" }, "cors application/json"));
        if (a.method !== "POST") {
          results.push(await attempt(a, { method: a.method, mode: "cors", headers: { "Content-Type": "text/plain" }, body: json }, "cors text/plain"));
        }
      }
      window.__results = results;
    })();`;
  return html(`<h1>You won!</h1><script>${script}</script>`);
}

/** An auto-submitted form for one attack; a text/plain form smuggles the JSON body in a field name. */
function formPage(a: Attack, enctype: string): string {
  const fields: Array<[string, string]> = [];
  if (a.body) {
    const json = JSON.stringify(a.body);
    if (enctype === "text/plain")
      fields.push([`${json.slice(0, -1)},"pad":"`, '"}']); // → {...,"pad":"="}
    else for (const [k, v] of Object.entries(a.body)) fields.push([k, typeof v === "string" ? v : JSON.stringify(v)]);
  }
  const inputs = fields.map(([n, v]) => `<input type="hidden" name="${escapeAttr(n)}" value="${escapeAttr(v)}">`).join("");
  return html(
    `<form id="f" method="POST" action="${escapeAttr(DESK + a.path)}" enctype="${enctype}">${inputs}</form><script>document.getElementById("f").submit()</script>`,
  );
}

function serveAttacker(req: http.IncomingMessage, res: http.ServerResponse) {
  const url = new URL(req.url ?? "/", "http://attacker.invalid");
  const list = attacks();
  const m = /^\/form\/(\d+)\/(\d+)$/.exec(url.pathname);
  const page =
    url.pathname === "/fetch" ? fetchPage(list) : m ? formPage(list[Number(m[1])] as Attack, FORM_TYPES[Number(m[2])] ?? "") : null;
  res.writeHead(page ? 200 : 404, { "Content-Type": "text/html; charset=utf-8" });
  res.end(page ?? "not found");
}

const api = (request: APIRequestContext, method: string, path: string, data?: unknown) => tokenApi(request, admin, method, path, data);

/** Everything the attacks would change, read through the REST API with an API token. */
async function snapshot(request: APIRequestContext) {
  type U = { name: string; enabled: boolean; roles: string[]; apiKeys: { key: string }[] };
  const users = ((await api(request, "GET", "/api/resource/User")).data as U[]).map((u) => ({
    name: u.name,
    enabled: u.enabled,
    roles: u.roles,
    apiKeys: u.apiKeys.map((k) => k.key).sort(),
  }));
  const log = (await api(request, "GET", `${LOGS_API}/${logName}`)).data as Record<string, unknown>;
  const logsOfHook = (await api(request, "GET", `${LOGS_API}?webhook=${encodeURIComponent(hook)}&limit=100`)).data as unknown[];
  return {
    users,
    webhook: (await api(request, "GET", `/api/resource/Webhook/${hook}`)).data,
    log: { status: log.status, attempts: log.attempts, modified: log.modified, url: log.url },
    logCount: logsOfHook.length,
    logSettings: (await api(request, "GET", "/api/log-settings")).data,
    receiverHits: [...hits],
  };
}
let baseline: Awaited<ReturnType<typeof snapshot>>;

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ browser, request }) => {
  receiver = http.createServer((req, res) => {
    hits.push(req.url ?? "");
    req.resume();
    res.writeHead(req.url?.startsWith("/gone") ? 410 : 200, { "Content-Type": "application/json" });
    res.end("{}");
  });
  receiverBase = `http://127.0.0.1:${await listen(receiver, 0, "127.0.0.1")}`;
  const v4 = http.createServer(serveAttacker);
  attackerPort = await listen(v4, 0, "127.0.0.1");
  attackerServers.push(v4);
  const v6 = http.createServer(serveAttacker);
  await listen(v6, attackerPort, "::1").then(
    () => attackerServers.push(v6),
    () => undefined, // no IPv6 loopback here: Chromium then reaches localhost at 127.0.0.1
  );

  admin = apiUser().token;
  const v = apiUser();
  victim = { email: v.email, password: v.password };
  victimToken = v.token;
  victimKey = victimToken.slice("token ".length).split(":")[0] ?? "";
  attacker = newUser(["Desk User"]);

  // A webhook with a secret, and one Exhausted log row of it (the receiver answers 410).
  ({ logName } = await webhookWithOneDelivery(request, admin, {
    doctype,
    doc: docName,
    webhook: { name: hook, request_url: `${receiverBase}/gone`, enable_security: 1, webhook_secret: "the-real-secret-123" },
    status: "Exhausted",
  }));
  // Purge once for real, so Log Settings has a last run that an attacker's purge would move
  // (and the dispatcher's first daily purge, a minute after start, is not due any more).
  await api(request, "POST", "/api/log-settings?action=purge");

  ({ context: victimContext, cookie: victimCookie } = await signedInContext(browser, victim.email, victim.password));
  baseline = await snapshot(request);
  expect(baseline.webhook).toMatchObject({ has_webhook_secret: true, request_url: `${receiverBase}/gone` });
  expect(baseline.logSettings.last_run).not.toBeNull();
});

test.afterAll(async () => {
  await victimContext?.close();
  for (const server of [receiver, ...attackerServers]) await new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
});

/** Desk responses a page sees (fetches and navigations alike), by method and path. */
function watchDesk(page: Page) {
  const seen: { method: string; path: string; status: number }[] = [];
  page.on("response", (r) => {
    const url = new URL(r.url());
    if (url.origin === DESK) seen.push({ method: r.request().method(), path: url.pathname + url.search, status: r.status() });
  });
  return seen;
}

async function runAttacks(page: Page, origin: string) {
  const list = attacks();
  const seen = watchDesk(page);

  // 1. fetch(): POSTs without a preflight reach the server; the rest never leave the browser.
  await page.goto(`${origin}/fetch`);
  const results = await page.waitForFunction(() => (window as unknown as { __results?: unknown }).__results, undefined, {
    timeout: 30_000,
  });
  const outcomes = (await results.jsonValue()) as { attack: string; how: string; outcome: string }[];
  for (const o of outcomes) {
    if (o.how.startsWith("no-cors")) expect(o.outcome, `${o.attack} via ${o.how}`).toBe("sent (opaque)");
    else expect(o.outcome, `${o.attack} via ${o.how}: the preflight fails`).toBe("blocked: TypeError");
  }
  const posts = list.filter((a) => a.method === "POST");
  expect(outcomes.filter((o) => o.how.startsWith("no-cors"))).toHaveLength(posts.length * SIMPLE_TYPES.length);

  // 2. Auto-submitted forms, as top-level navigations.
  for (const [i, a] of list.entries()) {
    if (a.method !== "POST") continue; // a form cannot send PUT or DELETE
    for (const [t] of FORM_TYPES.entries()) {
      const answered = page.waitForResponse((r) => r.url() === DESK + a.path && r.request().method() === "POST");
      // The page submits itself at once, so its own navigation may be cut short by the form's.
      await page.goto(`${origin}/form/${i}/${t}`, { waitUntil: "commit" }).catch((e: Error) => {
        if (!e.message.includes("interrupted by another navigation")) throw e;
      });
      await answered;
      // The desk's answer is shown before the next attack (closing a page mid-navigation can hang).
      await page.waitForURL(DESK + a.path);
    }
  }

  // Every state-changing request that reached the desk was refused; none but POST got there.
  const unsafe = seen.filter((r) => r.method !== "GET");
  expect(unsafe.filter((r) => r.method !== "POST" && r.method !== "OPTIONS")).toEqual([]);
  const reached = unsafe.filter((r) => r.method === "POST");
  expect(reached).toHaveLength(posts.length * (SIMPLE_TYPES.length + FORM_TYPES.length));
  return reached;
}

async function expectNothingChanged(request: APIRequestContext) {
  const now = await snapshot(request);
  expect(now.users.map((u) => u.name)).not.toContain(intruder);
  expect(now).toEqual(baseline);
  expect(now.receiverHits.filter((h) => h.startsWith("/csrf-test"))).toEqual([]);
  // The key the attacker tried to revoke still works.
  expect((await request.get("/api/resource/DocType", { headers: { Authorization: victimToken } })).status()).toBe(200);
  // The victim is still signed in, with the same session (not signed out, not signed in as the attacker).
  expect(await sessionCookie(victimContext)).toBe(victimCookie);
  expect((await victimContext.request.get("/api/resource/Webhook")).status()).toBe(200);
}

test("a page on another site (127.0.0.1) changes nothing: the Lax cookie stays home", async ({ request }) => {
  const page = await victimContext.newPage();
  const reached = await runAttacks(page, `http://127.0.0.1:${attackerPort}`);
  const signInOut = (p: string) => p === "/api/logout" || p === "/api/login";
  // Without the cookie the guard answers 401; sign-in and sign-out refuse the foreign Origin.
  expect(reached.filter((r) => !signInOut(r.path)).map((r) => `${r.path} ${r.status}`)).toEqual(
    reached.filter((r) => !signInOut(r.path)).map((r) => `${r.path} 401`),
  );
  expect(reached.filter((r) => signInOut(r.path)).every((r) => r.status === 403)).toBe(true);
  await page.close();
  await expectNothingChanged(request);
});

test("a page on the same site (localhost, another port) changes nothing: the Origin check refuses it", async ({ request }) => {
  const page = await victimContext.newPage();
  const reached = await runAttacks(page, `http://localhost:${attackerPort}`);
  // The cookie is sent here; every one of them is refused as cross-origin.
  expect(reached.map((r) => `${r.path} ${r.status}`)).toEqual(reached.map((r) => `${r.path} 403`));
  await page.close();
  await expectNothingChanged(request);
});

test("the same actions from the desk's own origin do work (the attacks above were real)", async ({ request }) => {
  // A control: the victim's session, from a desk page, may rotate the secret and create a key.
  const page = await victimContext.newPage();
  await page.goto("/app");
  const statuses = await page.evaluate(
    async ([hookName, user]) => {
      const post = (p: string) =>
        fetch(p, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" }).then((r) => r.status);
      return [
        await post(`/api/resource/Webhook/${hookName}/rotate-secret`),
        await post(`/api/resource/User/${encodeURIComponent(user)}/api-key`),
      ];
    },
    [hook, victim.email] as const,
  );
  expect(statuses).toEqual([200, 201]);
  await page.close();
  const now = await snapshot(request);
  expect(now.webhook.modified).not.toBe(baseline.webhook.modified);
  expect(now.users.find((u) => u.name === victim.email)?.apiKeys).toHaveLength(2);
});
