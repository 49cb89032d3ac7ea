// The route matrix: every page and route file under app/, a concrete request for each of
// its methods, and the answer each identity must get. e2e/route-matrix.spec.ts walks app/
// and fails for a file or an exported method that has no entry here, so a new route needs
// a row (and a decision about who may call it) before the suite passes.

export const IDENTITIES = [
  "anonymous",
  /** Signed in, no role at all. */
  "noRoleSession",
  /** An API key of the user without roles. */
  "noRoleKey",
  "publisherSession",
  "publisherKey",
  "managerSession",
  "managerKey",
  /** The cookie of a session that was signed out: it gets past the proxy, so the page's own check answers. */
  "endedSession",
] as const;
export type Identity = (typeof IDENTITIES)[number];

/** Route files anyone may call; every other route needs a role (app/route-guard.test.ts checks the handlers' marks too). */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set([
  "api/auth/[...nextauth]/route.ts",
  "api/login/route.ts",
  "api/logout/route.ts",
  // Health checks for load balancers: ok / not ok and a check's name, nothing else.
  "healthz/route.ts",
  "readyz/route.ts",
  // The OpenAPI document: it describes the API and holds no data; client generators fetch it without credentials.
  "api/openapi.json/route.ts",
]);

export const SESSIONS: ReadonlySet<Identity> = new Set(["noRoleSession", "publisherSession", "managerSession", "endedSession"]);

export const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export type Method = (typeof METHODS)[number];

/** An HTTP status, or a redirect (3xx) whose Location has this pathname. */
export type Expected = number | { redirect: string };
const LOGIN: Expected = { redirect: "/login" };

/** What the spec's beforeAll creates; every dynamic segment gets a real row. */
export interface Fixtures {
  /** Unique to the run: names made here start with it. */
  tag: string;
  /** A DocType registered by the first event. */
  doctype: string;
  /** A document of it, stored from an event. */
  document: string;
  /** An event's id. */
  event: string;
  /** A delivered request log row. */
  log: string;
  /** A bulk-resend job's id. */
  job: string;
  /** A webhook on the DocType, read and saved unchanged. */
  webhook: string;
  /** A webhook with Enable Security, for rotate-secret. */
  secureWebhook: string;
  /** A user read, updated and given keys. */
  user: string;
  /** A user whose password is guessed wrong once per identity. */
  loginUser: string;
  /** The local receiver the webhooks deliver to. */
  receiver: string;
  retentionDays: number;
  /**
   * Per identity: a webhook it deletes, an API key (of `user`) it revokes and two delivered
   * request logs it re-renders and resends (one send at a time per log, or the second is a 409).
   */
  own: Record<Identity, { webhook: string; key: string; rerenderLog: string; resendLog: string }>;
}

export interface Call {
  path: string;
  data?: unknown;
  /** false: a session sends no Origin even on an unsafe method (the default sends the desk's). */
  origin?: false;
}

interface MethodEntry {
  call: (f: Fixtures, who: Identity) => Call;
  expect: Record<Identity, Expected>;
}

export interface RouteEntry {
  /** Relative to app/, e.g. "api/events/route.ts" or "app/webhook/[name]/page.tsx". */
  file: string;
  /** Pages: GET only. Routes: exactly the methods the file exports. */
  methods: Partial<Record<Method, MethodEntry>>;
}

const each = (e: Expected) => Object.fromEntries(IDENTITIES.map((i) => [i, e])) as Record<Identity, Expected>;

/** A desk page: System Manager sessions only; pages read no Authorization header. */
const desk = (ok: Expected = 200): Record<Identity, Expected> => ({
  anonymous: LOGIN,
  noRoleSession: 403,
  noRoleKey: LOGIN,
  publisherSession: 403,
  publisherKey: LOGIN,
  managerSession: ok,
  managerKey: LOGIN,
  endedSession: LOGIN,
});

/** A System Manager resource: session or key. */
const manager = (ok: number): Record<Identity, Expected> => ({
  anonymous: 401,
  noRoleSession: 403,
  noRoleKey: 403,
  publisherSession: 403,
  publisherKey: 403,
  managerSession: ok,
  managerKey: ok,
  endedSession: 401,
});

const enc = encodeURIComponent;
const page = (file: string, path: (f: Fixtures) => string): RouteEntry => ({
  file,
  methods: { GET: { call: (f) => ({ path: path(f) }), expect: desk() } },
});
const get = (path: (f: Fixtures) => string, ok = 200): MethodEntry => ({ call: (f) => ({ path: path(f) }), expect: manager(ok) });
const send = (path: (f: Fixtures, who: Identity) => string, ok: number, data?: (f: Fixtures, who: Identity) => unknown): MethodEntry => ({
  call: (f, who) => ({ path: path(f, who), ...(data ? { data: data(f, who) } : {}) }),
  expect: manager(ok),
});

const LOGS = "/api/resource/Webhook%20Request%20Log";
const newName = (f: Fixtures, who: Identity) => `${f.tag}-new-${who}`.toLowerCase();
const unsavedForm = (f: Fixtures) => ({
  webhook: {
    webhook_doctype: f.doctype,
    webhook_docevent: "on_update",
    request_url: `${f.receiver}/test`,
    request_method: "POST",
    request_structure: "",
    webhook_data: [{ fieldname: "name", key: "name" }],
  },
  document: f.document,
});

export const ROUTE_MATRIX: RouteEntry[] = [
  // ── Pages ────────────────────────────────────────────────────────────────────────────
  { file: "page.tsx", methods: { GET: { call: () => ({ path: "/" }), expect: each({ redirect: "/app" }) } } },
  { file: "login/page.tsx", methods: { GET: { call: () => ({ path: "/login" }), expect: each(200) } } },
  page("app/page.tsx", () => "/app"),
  page("app/activity-log/page.tsx", () => "/app/activity-log"),
  page("app/alert/page.tsx", () => "/app/alert"),
  page("app/api/page.tsx", () => "/app/api"),
  page("app/doctype/page.tsx", () => "/app/doctype"),
  page("app/doctype/[name]/page.tsx", (f) => `/app/doctype/${enc(f.doctype)}`),
  page("app/document/[doctype]/[name]/page.tsx", (f) => `/app/document/${enc(f.doctype)}/${enc(f.document)}`),
  page("app/event/page.tsx", () => "/app/event"),
  page("app/event/[id]/page.tsx", (f) => `/app/event/${enc(f.event)}`),
  page("app/log-settings/page.tsx", () => "/app/log-settings"),
  page("app/user/page.tsx", () => "/app/user"),
  page("app/user/new/page.tsx", () => "/app/user/new"),
  page("app/user/[name]/page.tsx", (f) => `/app/user/${enc(f.user)}`),
  page("app/webhook/page.tsx", () => "/app/webhook"),
  page("app/webhook/new/page.tsx", () => "/app/webhook/new"),
  page("app/webhook/[name]/page.tsx", (f) => `/app/webhook/${enc(f.webhook)}`),
  page("app/webhook-request-log/page.tsx", () => "/app/webhook-request-log"),
  page("app/webhook-request-log/[name]/page.tsx", (f) => `/app/webhook-request-log/${enc(f.log)}`),

  // ── Public routes ────────────────────────────────────────────────────────────────────
  {
    file: "api/auth/[...nextauth]/route.ts",
    methods: {
      GET: { call: () => ({ path: "/api/auth/csrf" }), expect: each(200) },
      // next-auth's own CSRF check: without its token nobody is signed in, whoever asks.
      POST: {
        call: (f) => ({ path: "/api/auth/callback/credentials", data: { username: f.loginUser, password: "not-the-password" } }),
        expect: each({ redirect: "/api/auth/signin" }),
      },
    },
  },
  {
    file: "api/login/route.ts",
    methods: {
      POST: { call: (f) => ({ path: "/api/login", data: { username: f.loginUser, password: "not-the-password" } }), expect: each(401) },
    },
  },
  {
    file: "api/logout/route.ts",
    // Without Origin (or Sec-Fetch-Site) nobody is signed out, not even an anonymous caller.
    methods: { POST: { call: () => ({ path: "/api/logout", origin: false }), expect: each(403) } },
  },

  // ── Health checks: anyone (a load balancer signs in as nobody) ──────────────────────────
  {
    file: "healthz/route.ts",
    methods: {
      GET: { call: () => ({ path: "/healthz" }), expect: each(200) },
      HEAD: { call: () => ({ path: "/healthz" }), expect: each(200) },
    },
  },
  {
    file: "readyz/route.ts",
    methods: {
      GET: { call: () => ({ path: "/readyz" }), expect: each(200) },
      HEAD: { call: () => ({ path: "/readyz" }), expect: each(200) },
    },
  },

  { file: "api/openapi.json/route.ts", methods: { GET: { call: () => ({ path: "/api/openapi.json" }), expect: each(200) } } },

  // ── Host apps ────────────────────────────────────────────────────────────────────────
  {
    file: "api/events/route.ts",
    methods: {
      POST: {
        call: (f, who) => ({
          path: "/api/events",
          data: { doctype: f.doctype, event: "on_update", doc: { name: `${f.tag}-event-${who}`, status: "Draft" } },
        }),
        // API keys only: a session is not accepted at all (401), whatever its roles.
        expect: {
          anonymous: 401,
          noRoleSession: 401,
          noRoleKey: 403,
          publisherSession: 401,
          publisherKey: 202,
          managerSession: 401,
          managerKey: 202,
          endedSession: 401,
        },
      },
    },
  },

  // ── System Manager resources ─────────────────────────────────────────────────────────
  { file: "api/alerts/route.ts", methods: { GET: get(() => "/api/alerts") } },
  {
    file: "api/alerts/read/route.ts",
    methods: {
      POST: send(
        () => "/api/alerts/read",
        200,
        () => ({ all: true }),
      ),
    },
  },
  { file: "api/desk-search/route.ts", methods: { GET: get((f) => `/api/desk-search?q=${enc(f.doctype)}`) } },
  { file: "api/doctype-fields/route.ts", methods: { GET: get((f) => `/api/doctype-fields?doctype=${enc(f.doctype)}`) } },
  { file: "api/document-search/route.ts", methods: { GET: get((f) => `/api/document-search?doctype=${enc(f.doctype)}&q=`) } },
  { file: "api/job/[id]/route.ts", methods: { GET: get((f) => `/api/job/${enc(f.job)}`) } },
  {
    file: "api/log-settings/route.ts",
    methods: {
      GET: get(() => "/api/log-settings"),
      PUT: send(
        () => "/api/log-settings",
        200,
        (f) => ({ retention_days: f.retentionDays }),
      ),
      POST: send(() => "/api/log-settings?action=purge", 200),
    },
  },
  { file: "api/resource/DocType/route.ts", methods: { GET: get(() => "/api/resource/DocType") } },
  {
    file: "api/resource/DocType/[name]/route.ts",
    methods: {
      GET: get((f) => `/api/resource/DocType/${enc(f.doctype)}`),
      PUT: send(
        (f) => `/api/resource/DocType/${enc(f.doctype)}`,
        200,
        () => ({ is_submittable: false }),
      ),
    },
  },
  {
    file: "api/resource/User/route.ts",
    methods: {
      GET: get(() => "/api/resource/User"),
      POST: send(
        () => "/api/resource/User",
        201,
        (f, who) => ({ email: `${newName(f, who)}@example.com`, password: "long-enough-pass", roles: [] }),
      ),
    },
  },
  {
    file: "api/resource/User/[name]/route.ts",
    methods: {
      GET: get((f) => `/api/resource/User/${enc(f.user)}`),
      PUT: send(
        (f) => `/api/resource/User/${enc(f.user)}`,
        200,
        () => ({ fullName: "Route Matrix" }),
      ),
    },
  },
  {
    file: "api/resource/User/[name]/sessions/route.ts",
    methods: {
      GET: get((f) => `/api/resource/User/${enc(f.user)}/sessions`),
      DELETE: send((f) => `/api/resource/User/${enc(f.user)}/sessions`, 200),
    },
  },
  { file: "api/resource/User/[name]/api-key/route.ts", methods: { POST: send((f) => `/api/resource/User/${enc(f.user)}/api-key`, 201) } },
  {
    file: "api/resource/User/[name]/api-key/[key]/route.ts",
    methods: { DELETE: send((f, who) => `/api/resource/User/${enc(f.user)}/api-key/${enc(f.own[who].key)}`, 200) },
  },
  {
    file: "api/resource/Webhook/route.ts",
    methods: {
      GET: get(() => "/api/resource/Webhook"),
      POST: send(
        () => "/api/resource/Webhook",
        201,
        (f, who) => ({
          name: newName(f, who),
          webhook_doctype: f.doctype,
          webhook_docevent: "on_trash",
          request_url: `${f.receiver}/new`,
          request_structure: "",
          webhook_data: [{ fieldname: "name", key: "name" }],
          enabled: 0,
        }),
      ),
    },
  },
  {
    file: "api/resource/Webhook/[name]/route.ts",
    methods: {
      GET: get((f) => `/api/resource/Webhook/${enc(f.webhook)}`),
      PUT: send(
        (f) => `/api/resource/Webhook/${enc(f.webhook)}`,
        200,
        () => ({ enabled: 1 }),
      ),
      DELETE: send((f, who) => `/api/resource/Webhook/${enc(f.own[who].webhook)}`, 200),
    },
  },
  {
    file: "api/resource/Webhook/[name]/re-enable/route.ts",
    methods: { POST: send((f) => `/api/resource/Webhook/${enc(f.webhook)}/re-enable`, 200) },
  },
  {
    file: "api/resource/Webhook/[name]/rotate-secret/route.ts",
    methods: { POST: send((f) => `/api/resource/Webhook/${enc(f.secureWebhook)}/rotate-secret`, 200) },
  },
  {
    // Only "Webhook Request Log" is served here (the static resources win); writes answer 405.
    file: "api/resource/[doctype]/route.ts",
    methods: {
      GET: get(() => LOGS),
      POST: send(
        () => LOGS,
        405,
        (f) => ({ webhook: f.webhook }),
      ),
      PUT: send(
        () => LOGS,
        405,
        () => ({}),
      ),
      DELETE: send(() => LOGS, 405),
    },
  },
  {
    file: "api/resource/[doctype]/[name]/route.ts",
    methods: {
      GET: get((f) => `${LOGS}/${enc(f.log)}`),
      POST: send(
        (f) => `${LOGS}/${enc(f.log)}`,
        405,
        () => ({}),
      ),
      PUT: send(
        (f) => `${LOGS}/${enc(f.log)}`,
        405,
        () => ({ status: "Delivered" }),
      ),
      DELETE: send((f) => `${LOGS}/${enc(f.log)}`, 405),
    },
  },
  { file: "api/webhook-preview/route.ts", methods: { POST: send(() => "/api/webhook-preview", 200, unsavedForm) } },
  { file: "api/webhook-test/route.ts", methods: { POST: send(() => "/api/webhook-test", 200, unsavedForm) } },
  {
    file: "api/webhook-request-log/[name]/rerender/route.ts",
    methods: {
      GET: get((f) => `/api/webhook-request-log/${enc(f.log)}/rerender`),
      POST: send((f, who) => `/api/webhook-request-log/${enc(f.own[who].rerenderLog)}/rerender`, 200),
    },
  },
  {
    file: "api/webhook-request-log/[name]/resend/route.ts",
    methods: { POST: send((f, who) => `/api/webhook-request-log/${enc(f.own[who].resendLog)}/resend`, 200) },
  },
  {
    file: "api/webhook-request-log/[name]/verify/route.ts",
    methods: {
      POST: send(
        (f) => `/api/webhook-request-log/${enc(f.log)}/verify`,
        200,
        () => ({ secret: "not-the-receivers-secret" }),
      ),
    },
  },
  // An empty list: a job that is complete at once, sends nothing.
  {
    file: "api/webhook-request-log/bulk-resend/route.ts",
    methods: {
      POST: send(
        () => "/api/webhook-request-log/bulk-resend",
        202,
        () => ({ names: [] }),
      ),
    },
  },
  // Prometheus: a System Manager's session or key (or Bearer METRICS_TOKEN, lib/ops/metrics.test.ts).
  { file: "metrics/route.ts", methods: { GET: get(() => "/metrics") } },
  { file: "api/webhook-stats/[name]/route.ts", methods: { GET: get((f) => `/api/webhook-stats/${enc(f.webhook)}?range=24h`) } },
];
