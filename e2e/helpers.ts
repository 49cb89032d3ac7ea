import { execFileSync } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { expect, type APIRequestContext, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { baseURL } from "../playwright.config";

export const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD || "admin-e2e-pass";
/** The e2e server's database (see scripts/e2e-server.sh). */
export const E2E_DATABASE_URL = `file:${path.resolve(".e2e-data/desk.db")}`;
/** The desk's origin, as the browser sees it (http://localhost:<port>). */
export const DESK = new URL(baseURL).origin;
export const DESK_PORT = Number(new URL(baseURL).port);
/** lib/auth/session-cookie.ts: the cookie's name over plain http. */
export const SESSION_COOKIE = "next-auth.session-token";
/** lib/auth/sign-in.ts INVALID_LOGIN. */
export const INVALID_LOGIN = "Invalid login credentials";

export const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export async function login(page: Page, username: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("Email or Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Login" }).click();
}

/** `npm run cli -- …` against the e2e server's database; returns stdout's last line. */
function cli(...args: string[]): string {
  const out = execFileSync("node_modules/.bin/tsx", ["--conditions=react-server", "scripts/cli.ts", ...args], {
    env: { ...process.env, DATABASE_URL: E2E_DATABASE_URL },
    encoding: "utf8",
  });
  return out.trim().split("\n").pop() ?? "";
}

/** Creates a user through the CLI (System Manager unless other roles are given). */
export function newUser(
  roles: string[] = ["System Manager"],
  password = "pass-" + Math.random().toString(36).slice(2, 12),
): { email: string; password: string } {
  const email = `${unique("user")}@example.com`;
  cli("create-user", email, "--password", password, ...roles.flatMap((r) => ["--role", r]));
  return { email, password };
}

/** Creates a user with an API key through the CLI; returns `token key:secret` for Authorization. */
export function apiUser(roles: string[] = ["System Manager"]): { email: string; password: string; token: string } {
  const u = newUser(roles);
  return { ...u, token: `token ${cli("api-key", "--user", u.email)}` };
}

/** POST /api/login with JSON, as a script would (no Origin, no Sec-Fetch-Site). */
export const passwordLogin = (request: APIRequestContext, username: string, password: string, headers: Record<string, string> = {}) =>
  request.post("/api/login", { data: { username, password }, headers, maxRedirects: 0 });

/** The session cookie's value in a browser context, or undefined. */
export async function sessionCookie(context: BrowserContext): Promise<string | undefined> {
  return (await context.cookies(DESK)).find((c) => c.name === SESSION_COOKIE)?.value;
}

/** A fresh browser context signed in as `username` (through POST /api/login) and its cookie. */
export async function signedInContext(
  browser: Browser,
  username: string,
  password: string,
): Promise<{ context: BrowserContext; cookie: string }> {
  const context = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  const res = await passwordLogin(context.request, username, password);
  expect(res.status(), await res.text()).toBe(200);
  const cookie = await sessionCookie(context);
  expect(cookie, "POST /api/login sets the session cookie").toBeTruthy();
  return { context, cookie: cookie ?? "" };
}

/**
 * Replays a copied session cookie in a fresh browser context: what the REST API answers, and
 * where /app ends up (with its `next` when that is /login).
 */
export async function replaySession(browser: Browser, cookie: string): Promise<{ api: number; app: string; next: string | null }> {
  const context = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  try {
    await context.addCookies([{ name: SESSION_COOKIE, value: cookie, url: DESK, httpOnly: true, sameSite: "Lax" }]);
    const api = (await context.request.get("/api/resource/Webhook")).status();
    const page = await context.newPage();
    await page.goto("/app");
    const app = new URL(page.url());
    return { api, app: app.pathname, next: app.searchParams.get("next") };
  } finally {
    await context.close();
  }
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * One request to the e2e server with node:http, from a chosen loopback address (the server
 * takes the client address from the socket) and with a body that may be streamed in chunks.
 * A server that answers and closes before the whole body is sent still yields its answer.
 */
export function rawRequest(o: {
  method?: string;
  path: string;
  headers?: Record<string, string | number>;
  body?: string | Buffer;
  /** Sent as `count` chunks of `chunk` (no Content-Length unless given in headers). */
  stream?: { chunk: Buffer; count: number };
  localAddress?: string;
}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let answered: RawResponse | null = null;
    const req = http.request(
      {
        host: "127.0.0.1",
        port: DESK_PORT,
        method: o.method ?? "POST",
        path: o.path,
        headers: { Host: `localhost:${DESK_PORT}`, ...o.headers },
        localAddress: o.localAddress,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body.length < 65_536 ? (body += c) : undefined));
        res.on("end", () => {
          answered = { status: res.statusCode ?? 0, headers: res.headers, body };
          resolve(answered);
        });
        res.on("error", (e) => (answered ? undefined : reject(e)));
      },
    );
    req.on("error", (e) => {
      // EPIPE/ECONNRESET after the answer arrived: the server stopped reading, as it should.
      if (!answered) reject(e);
    });
    if (o.stream) {
      const { chunk, count } = o.stream;
      let sent = 0;
      const pump = () => {
        while (sent < count) {
          sent++;
          if (!req.write(chunk)) return void req.once("drain", pump);
        }
        req.end();
      };
      req.on("close", () => (sent = count));
      pump();
    } else {
      req.end(o.body);
    }
  });
}

/** Listens on a loopback address (port 0: any free one); resolves with the port. */
export const listen = (server: http.Server, port: number, host = "127.0.0.1") =>
  new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });

/** A REST call with an API token that must succeed; returns the JSON answer. */
export async function tokenApi(request: APIRequestContext, token: string, method: string, path: string, data?: unknown) {
  const res = await request.fetch(path, { method, headers: { Authorization: token }, data });
  expect(res.status(), `${method} ${path}: ${await res.text()}`).toBeLessThan(300);
  return res.json();
}

export const LOGS_API = "/api/resource/Webhook%20Request%20Log";

/**
 * A webhook on a new DocType (registered by a first event) and one event for it, delivered
 * once: the event's id and its request log, once the log has reached `status`.
 */
export async function webhookWithOneDelivery(
  request: APIRequestContext,
  token: string,
  o: { doctype: string; doc: string; webhook: Record<string, unknown>; status: string },
): Promise<{ eventId: string; logName: string }> {
  const event = (name: string) =>
    tokenApi(request, token, "POST", "/api/events", { doctype: o.doctype, event: "on_update", doc: { name, status: "Draft" } });
  await event(`${o.doc}-seed`);
  await tokenApi(request, token, "POST", "/api/resource/Webhook", {
    webhook_doctype: o.doctype,
    webhook_docevent: "on_update",
    webhook_data: [{ fieldname: "name", key: "name" }],
    ...o.webhook,
  });
  const r = (await event(o.doc)) as { events: { id: string; deliveries: { request_log: string }[] }[] };
  const eventId = r.events[0]?.id ?? "";
  const logName = r.events[0]?.deliveries[0]?.request_log ?? "";
  expect(logName, "the event was delivered to the webhook").toBeTruthy();
  await expect
    .poll(async () => (await tokenApi(request, token, "GET", `${LOGS_API}/${logName}`)).data.status, { timeout: 20_000 })
    .toBe(o.status);
  return { eventId, logName };
}

/**
 * A new DocType (registered by a first event), a webhook on it and one event it queues: the
 * Request Log entry and the event exist at once (the webhook's URL is not reached here).
 */
export async function queuedLog(
  request: APIRequestContext,
  token: string,
  prefix: string,
  extra: Record<string, unknown> = {},
): Promise<{ doctype: string; doc: string; webhook: string; eventId: string; logName: string }> {
  const s = unique(prefix);
  const doctype = `${prefix.toUpperCase()} Order ${s}`;
  const doc = `${prefix}Q-${s}`.toUpperCase();
  const webhook = `${s}-hook`;
  await tokenApi(request, token, "POST", "/api/events", { doctype, event: "on_update", doc: { name: `${doc}-seed`, status: "Draft" } });
  await tokenApi(request, token, "POST", "/api/resource/Webhook", {
    name: webhook,
    webhook_doctype: doctype,
    webhook_docevent: "on_update",
    request_url: `https://example.com/hooks/${prefix}`,
    webhook_data: [{ fieldname: "name", key: "name" }],
    ...extra,
  });
  const posted = (await tokenApi(request, token, "POST", "/api/events", {
    doctype,
    event: "on_update",
    doc: { name: doc, status: "Open" },
  })) as {
    events: { id: string; deliveries: { request_log: string }[] }[];
  };
  const eventId = posted.events[0]?.id ?? "";
  const logName = posted.events[0]?.deliveries[0]?.request_log ?? "";
  expect(logName, "the event queued a request").toBeTruthy();
  return { doctype, doc, webhook, eventId, logName };
}
