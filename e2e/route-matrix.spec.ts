// The route matrix (e2e/route-matrix.ts) against the running desk: every page and route
// file under app/ × every identity, each answer checked. No route may answer anything but
// 401/403 (or a redirect to /login, for pages) without the right role, and those answers
// carry no data.
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { expect, test, type APIRequestContext, type APIResponse } from "@playwright/test";
import { apiUser, unique } from "./helpers";
import {
  IDENTITIES,
  METHODS,
  ROUTE_MATRIX,
  PUBLIC_ROUTES,
  SESSIONS,
  type Call,
  type Expected,
  type Fixtures,
  type Identity,
  type Method,
  type RouteEntry,
} from "./route-matrix";

const APP = path.resolve("app");
const isPage = (file: string) => /(^|\/)page\.[jt]sx?$/.test(file);
const isSafe = (m: Method) => m === "GET" || m === "HEAD" || m === "OPTIONS";
const enc = encodeURIComponent;

/** Page and route files under app/, relative to it, with forward slashes. */
function routeFilesOnDisk(dir = APP): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...routeFilesOnDisk(full));
    else if (/^(page|route)\.(tsx?|jsx?|mjs)$/.test(e.name)) out.push(path.relative(APP, full).split(path.sep).join("/"));
  }
  return out.sort();
}

/** The HTTP methods a route file exports: `export const GET`, `export async function GET`, `export { x as GET }`. */
function exportedMethods(file: string): Method[] {
  const src = fs.readFileSync(path.join(APP, file), "utf8");
  const names = new Set<string>();
  for (const m of src.matchAll(/^export\s+(?:const|let|var|(?:async\s+)?function\*?)\s+([A-Z]+)\b/gm)) names.add(m[1] ?? "");
  for (const m of src.matchAll(/^export\s*\{([^}]*)\}/gm)) {
    for (const part of (m[1] ?? "").split(","))
      names.add(
        part
          .trim()
          .split(/\s+as\s+/)
          .pop()
          ?.trim() ?? "",
      );
  }
  return METHODS.filter((x) => names.has(x));
}

let baseURL = "";
let receiver: http.Server;
const contexts = {} as Record<Identity, APIRequestContext>;
let admin: APIRequestContext;
const f = {} as Fixtures;

async function ok(res: APIResponse, status: number, what: string) {
  expect(res.status(), `${what}: ${await res.text()}`).toBe(status);
  return res.json();
}

type LogDoc = { status?: string; attempts?: number };
const logDoc = async (name: string) =>
  ((await (await admin.get(`/api/resource/Webhook%20Request%20Log/${enc(name)}`)).json()) as { data?: LogDoc }).data ?? {};
const logStatus = async (name: string) => (await logDoc(name)).status;

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ playwright }, info) => {
  info.setTimeout(120_000);
  baseURL = String(info.project.use.baseURL);
  receiver = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end('{"received":true}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));

  const tag = unique("rm");
  const manager = apiUser(["System Manager"]);
  const publisher = apiUser(["Event Publisher"]);
  const noRole = apiUser([]);
  // Every context says which cookies it starts with: newContext() would otherwise take the
  // project's storageState, the Administrator's session.
  const fresh = (extra: Parameters<typeof playwright.request.newContext>[0] = {}) =>
    playwright.request.newContext({ baseURL, storageState: { cookies: [], origins: [] }, ...extra });
  admin = await fresh({ extraHTTPHeaders: { Authorization: manager.token } });

  Object.assign(f, { tag, doctype: `RM Order ${tag}`, receiver: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}` });
  const post = (url: string, data?: unknown) => admin.post(url, data === undefined ? {} : { data });
  const event = async (name: string) =>
    (await ok(await post("/api/events", { doctype: f.doctype, event: "on_update", doc: { name, status: "Draft" } }), 202, "event")) as {
      events: { id: string; deliveries: { request_log: string }[] }[];
    };
  const webhook = async (name: string, extra: Record<string, unknown> = {}) => {
    const body = {
      name,
      webhook_doctype: f.doctype,
      webhook_docevent: "on_trash",
      request_url: `${f.receiver}/ok`,
      request_structure: "",
      webhook_data: [{ fieldname: "name", key: "name" }],
      ...extra,
    };
    return ((await ok(await post("/api/resource/Webhook", body), 201, `webhook ${name}`)) as { data: { name: string } }).data.name;
  };
  const user = async (email: string, password = "long-enough-pass") =>
    ((await ok(await post("/api/resource/User", { email, password, roles: [] }), 201, `user ${email}`)) as { data: { name: string } }).data
      .name;

  // The first event registers the DocType; the others, with a webhook on it, log requests.
  await event(`${tag}-seed`);
  f.webhook = await webhook(`${tag}-hook`, { webhook_docevent: "on_update", enabled: 1 });
  f.secureWebhook = await webhook(`${tag}-secure`, { enable_security: 1, webhook_secret: "route-matrix-secret", enabled: 0 });
  f.document = `${tag}-doc`;
  const logged = async (doc: string) => {
    const e = (await event(doc)).events[0];
    const log = e?.deliveries[0]?.request_log ?? "";
    expect(log, `the event for ${doc} logged a request`).toBeTruthy();
    return { event: e?.id ?? "", log };
  };
  ({ event: f.event, log: f.log } = await logged(f.document));
  f.job = ((await ok(await post("/api/webhook-request-log/bulk-resend", { names: [] }), 202, "job")) as { job: { id: string } }).job.id;
  f.retentionDays = (
    (await ok(await admin.get("/api/log-settings"), 200, "log settings")) as { data: { retention_days: number } }
  ).data.retention_days;
  f.user = await user(`${tag}-fixture@example.com`);
  f.loginUser = await user(`${tag}-login@example.com`);
  f.own = {} as Fixtures["own"];
  for (const who of IDENTITIES) {
    const key = ((await ok(await post(`/api/resource/User/${enc(f.user)}/api-key`), 201, "api key")) as { data: { api_key: string } }).data
      .api_key;
    f.own[who] = {
      webhook: await webhook(`${tag}-own-${who}`.toLowerCase(), { enabled: 0 }),
      key,
      rerenderLog: (await logged(`${tag}-rerender-${who}`)).log,
      resendLog: (await logged(`${tag}-resend-${who}`)).log,
    };
  }
  // Resend and re-render refuse a request while it is being sent: start from delivered rows.
  const logs = [f.log, ...Object.values(f.own).flatMap((o) => [o.rerenderLog, o.resendLog])];
  await expect.poll(async () => (await Promise.all(logs.map(logStatus))).filter((s) => s !== "Delivered"), { timeout: 30_000 }).toEqual([]);

  // The identities.
  const signIn = async (username: string, password: string) => {
    const ctx = await fresh();
    await ok(await ctx.post("/api/login", { data: { username, password } }), 200, `sign in ${username}`);
    expect((await ctx.storageState()).cookies.length, "the session cookie is stored").toBeGreaterThan(0);
    return ctx;
  };
  const withKey = (token: string) => fresh({ extraHTTPHeaders: { Authorization: token } });
  contexts.anonymous = await fresh();
  contexts.noRoleSession = await signIn(noRole.email, noRole.password);
  contexts.noRoleKey = await withKey(noRole.token);
  contexts.publisherSession = await signIn(publisher.email, publisher.password);
  contexts.publisherKey = await withKey(publisher.token);
  contexts.managerSession = await signIn(manager.email, manager.password);
  contexts.managerKey = await withKey(manager.token);
  // A System Manager's session, signed out: its cookie must open nothing.
  const leaving = await signIn(manager.email, manager.password);
  const cookie = await leaving.storageState();
  await ok(await leaving.post("/api/logout", { headers: { Origin: baseURL, Accept: "application/json" } }), 200, "sign out");
  await leaving.dispose();
  contexts.endedSession = await fresh({ storageState: cookie });
});

test.afterAll(async () => {
  for (const ctx of Object.values(contexts)) await ctx.dispose();
  await admin?.dispose();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
});

function request(who: Identity, method: Method, call: Call, headers: Record<string, string> = {}): Promise<APIResponse> {
  const h = { ...headers };
  if (SESSIONS.has(who) && !isSafe(method) && call.origin !== false && !("Origin" in h) && !("Sec-Fetch-Site" in h)) h.Origin = baseURL;
  return contexts[who].fetch(call.path, { method, headers: h, ...(call.data === undefined ? {} : { data: call.data }), maxRedirects: 0 });
}

const LIVE_SESSIONS: ReadonlySet<Identity> = new Set(["noRoleSession", "publisherSession", "managerSession"]);
const show = (e: Expected) => (typeof e === "number" ? String(e) : `→${e.redirect}`);

/** Names and secrets an answer to the wrong identity must not carry. */
const fixtureValues = () => [
  f.webhook,
  f.secureWebhook,
  f.log,
  f.event,
  f.job,
  f.user,
  f.loginUser,
  f.document,
  "route-matrix-secret",
  ...Object.values(f.own).flatMap((o) => Object.values(o)),
];

const SESSION_COOKIE = /^(__Secure-)?next-auth\.session-token=[^;]/;

/** What is wrong with this answer to `who`, or nothing. */
async function problems(entry: RouteEntry, who: Identity, res: APIResponse, expected: Expected, requested?: string): Promise<string[]> {
  const status = res.status();
  const body = await res.text();
  const out: string[] = [];
  // Nobody without a live session is handed one (clearing the cookie is fine).
  const issued = res.headersArray().filter((h) => h.name.toLowerCase() === "set-cookie" && SESSION_COOKIE.test(h.value));
  if (!LIVE_SESSIONS.has(who) && issued.length) out.push(`a session cookie issued to ${who}`);
  if (typeof expected === "number") {
    if (status !== expected) out.push(`status ${status}, expected ${expected}: ${body.slice(0, 300)}`);
  } else {
    const location = res.headers().location ?? "";
    const target = location ? new URL(location, baseURL) : null;
    if (status < 300 || status > 399 || target?.pathname !== expected.redirect) {
      out.push(`status ${status} Location ${location || "none"}, expected a redirect to ${expected.redirect}: ${body.slice(0, 200)}`);
    } else if (target.origin !== new URL(baseURL).origin) {
      out.push(`redirect off the site: ${location}`);
    } else if (isPage(entry.file) && expected.redirect === "/login" && requested) {
      // Back to the page after signing in: a dead cookie gets past the proxy, so this is the
      // page's own requireDeskPage speaking.
      const next = target.searchParams.get("next");
      if (next !== requested) out.push(`sent to /login with next=${next}, not back to ${requested}`);
    }
  }
  if (status !== 401 && status !== 403) return out;

  if (isPage(entry.file)) {
    // Next's 403 page (app/forbidden.tsx), with no desk around it.
    if (!body.includes("Not Permitted")) out.push(`a ${status} page without the 403 message`);
    for (const leak of ['data-testid="current-user"', "Welcome,"])
      if (body.includes(leak)) out.push(`the ${status} page shows the desk (${leak})`);
    return out;
  }
  if (!(res.headers()["content-type"] ?? "").startsWith("application/json")) {
    out.push(`a ${status} that is not JSON: ${res.headers()["content-type"]}`);
    return out;
  }
  const json = JSON.parse(body) as { error?: Record<string, unknown> };
  const err = json.error;
  if (
    Object.keys(json).join() !== "error" ||
    !err ||
    typeof err.code !== "string" ||
    typeof err.message !== "string" ||
    Object.keys(err).some((k) => k !== "code" && k !== "message")
  ) {
    out.push(`a ${status} body that is not exactly { error: { code, message } }: ${body.slice(0, 300)}`);
  } else if (err.code !== (status === 401 ? "UNAUTHORIZED" : "FORBIDDEN")) {
    out.push(`a ${status} with code ${String(err.code)}`);
  }
  for (const v of fixtureValues()) if (v && body.includes(v)) out.push(`a ${status} body that names ${v}`);
  return out;
}

test("the matrix lists every page and route file under app/, and every method each exports", () => {
  const onDisk = routeFilesOnDisk();
  const listed = ROUTE_MATRIX.map((e) => e.file);
  expect(onDisk.length).toBeGreaterThan(30);
  expect(
    listed.filter((x, i) => listed.indexOf(x) !== i),
    "files listed twice",
  ).toEqual([]);
  expect(
    onDisk.filter((x) => !listed.includes(x)),
    "page/route files with no entry in e2e/route-matrix.ts",
  ).toEqual([]);
  expect(
    listed.filter((x) => !onDisk.includes(x)),
    "entries in e2e/route-matrix.ts for files that do not exist",
  ).toEqual([]);
  for (const e of ROUTE_MATRIX) {
    const want = isPage(e.file) ? ["GET"] : exportedMethods(e.file);
    if (!isPage(e.file)) expect(want.length, `${e.file} exports a handler`).toBeGreaterThan(0);
    expect(Object.keys(e.methods).sort(), `${e.file}: one entry per exported method`).toEqual([...want].sort());
    for (const [m, entry] of Object.entries(e.methods)) {
      expect(Object.keys(entry.expect).sort(), `${e.file} ${m}: an answer for every identity`).toEqual([...IDENTITIES].sort());
      // Without a role nothing but 401/403 (or /login for a page); only the public routes differ.
      if (PUBLIC_ROUTES.has(e.file) || e.file === "page.tsx" || e.file === "login/page.tsx") continue;
      for (const who of ["anonymous", "noRoleSession", "noRoleKey", "endedSession"] as const) {
        const x = entry.expect[who];
        expect(x === 401 || x === 403 || (typeof x === "object" && x.redirect === "/login"), `${e.file} ${m} ${who}: ${show(x)}`).toBe(
          true,
        );
      }
    }
  }
});

test("every route answers each identity as the matrix says", async () => {
  const info = test.info();
  info.setTimeout(120_000);
  const summary: string[] = [`${"file".padEnd(52)} ${"method".padEnd(6)} ${IDENTITIES.join(" ")}`];
  for (const entry of ROUTE_MATRIX) {
    for (const [method, m] of Object.entries(entry.methods) as [Method, NonNullable<RouteEntry["methods"][Method]>][]) {
      // Identities in parallel: each has its own rows for the calls that change something.
      const got = await Promise.all(
        IDENTITIES.map(async (who) => {
          const call = m.call(f, who);
          const res = await request(who, method, call);
          const wrong = await problems(entry, who, res, m.expect[who], call.path);
          expect.soft(wrong, `${method} ${call.path} (${entry.file}) as ${who}`).toEqual([]);
          const loc = res.headers().location;
          return res.status() >= 300 && res.status() < 400 && loc ? `→${new URL(loc, baseURL).pathname}` : String(res.status());
        }),
      );
      summary.push(`${entry.file.padEnd(52)} ${method.padEnd(6)} ${got.map((g, i) => g.padEnd(IDENTITIES[i]?.length ?? 0)).join(" ")}`);
    }
  }
  await info.attach("route-matrix.txt", { body: summary.join("\n"), contentType: "text/plain" });
  console.log(summary.join("\n"));
});

test("the refused calls changed nothing; the allowed ones did", async () => {
  const allowed = (who: Identity) => who === "managerSession" || who === "managerKey";
  const status = async (url: string) => (await admin.get(url)).status();
  const keys = (
    (await ok(await admin.get(`/api/resource/User/${enc(f.user)}`), 200, "fixture user")) as { data: { apiKeys: { key: string }[] } }
  ).data.apiKeys.map((k) => k.key);
  const stored = (
    (await ok(await admin.get(`/api/document-search?doctype=${enc(f.doctype)}&q=${enc(`${f.tag}-event-`)}`), 200, "documents")) as {
      data: { name: string }[];
    }
  ).data.map((d) => d.name);
  for (const who of IDENTITIES) {
    const name = `${f.tag}-new-${who}`.toLowerCase();
    expect
      .soft(await status(`/api/resource/Webhook/${enc(f.own[who].webhook)}`), `${who}'s webhook to delete`)
      .toBe(allowed(who) ? 404 : 200);
    expect.soft(keys.includes(f.own[who].key), `${who}'s API key to revoke is still there`).toBe(!allowed(who));
    expect.soft(await status(`/api/resource/Webhook/${enc(name)}`), `a webhook created as ${who}`).toBe(allowed(who) ? 200 : 404);
    expect
      .soft(await status(`/api/resource/User/${enc(`${name}@example.com`)}`), `a user created as ${who}`)
      .toBe(allowed(who) ? 200 : 404);
    // A refused resend or re-render sent nothing; an allowed one was sent once more.
    for (const log of [f.own[who].rerenderLog, f.own[who].resendLog]) {
      if (allowed(who))
        await expect.poll(async () => (await logDoc(log)).attempts, { message: `${log}, sent again as ${who}`, timeout: 20_000 }).toBe(2);
      else expect.soft((await logDoc(log)).attempts, `${log}, refused to ${who}`).toBe(1);
    }
    // Events are taken from keys of System Managers and Event Publishers only.
    expect.soft(stored.includes(`${f.tag}-event-${who}`), `an event posted as ${who}`).toBe(who === "managerKey" || who === "publisherKey");
  }
});

test("a session's state-changing call from another origin, or with no origin, is refused", async () => {
  const EVIL = "https://evil.example";
  for (const entry of ROUTE_MATRIX) {
    if (isPage(entry.file) || PUBLIC_ROUTES.has(entry.file)) continue;
    for (const [method, m] of Object.entries(entry.methods) as [Method, NonNullable<RouteEntry["methods"][Method]>][]) {
      if (isSafe(method)) continue;
      // /api/events takes no session at all: 401 before the origin matters.
      const want = m.expect.managerSession === 401 ? 401 : 403;
      const call = m.call(f, "managerSession");
      for (const headers of [{ Origin: EVIL }, { "Sec-Fetch-Site": "cross-site" }, { Origin: "null" }] as Record<string, string>[]) {
        const res = await request("managerSession", method, call, headers);
        expect
          .soft(
            await problems(entry, "managerSession", res, want),
            `${method} ${call.path} as managerSession with ${JSON.stringify(headers)}`,
          )
          .toEqual([]);
      }
      const bare = await request("managerSession", method, { ...call, origin: false });
      expect
        .soft(
          await problems(entry, "managerSession", bare, want),
          `${method} ${call.path} as managerSession with neither Origin nor Sec-Fetch-Site`,
        )
        .toEqual([]);
    }
  }
  // Sec-Fetch-Site: same-origin stands in for Origin.
  const same = await request(
    "managerSession",
    "PUT",
    { path: "/api/log-settings", data: { retention_days: f.retentionDays } },
    { "Sec-Fetch-Site": "same-origin" },
  );
  expect(same.status(), await same.text()).toBe(200);
  // The public routes check the origin themselves.
  const login = await contexts.anonymous.post("/api/login", {
    headers: { Origin: EVIL },
    data: { username: f.loginUser, password: "not-the-password" },
  });
  expect(await problems(ROUTE_MATRIX.find((e) => e.file === "api/login/route.ts") as RouteEntry, "anonymous", login, 403)).toEqual([]);
  const logout = await contexts.managerSession.post("/api/logout", { headers: { Origin: EVIL } });
  expect(await problems(ROUTE_MATRIX.find((e) => e.file === "api/logout/route.ts") as RouteEntry, "managerSession", logout, 403)).toEqual(
    [],
  );
  // …and the session is still alive after both.
  expect((await request("managerSession", "GET", { path: "/api/log-settings" })).status()).toBe(200);
});
