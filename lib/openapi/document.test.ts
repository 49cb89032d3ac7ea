// Every route file under app/api is in the OpenAPI document with each method it exports, or
// is listed here as deliberately left out, with the reason. A new route fails this test until
// someone decides which it is.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "./document";

const API = path.resolve("app/api");
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] as const;

/** Routes that are not the public API: the desk's own pages call them, or they are sign-in plumbing. */
const INTERNAL: Record<string, string> = {
  "/api/auth/{...nextauth}": "next-auth's own endpoints (the sign-in form's plumbing)",
  "/api/login": "sign-in of the desk's form; scripts use an API key instead",
  "/api/logout": "sign-out of a browser session",
  "/api/alerts": "the desk's alert bell",
  "/api/alerts/read": "the desk's alert bell (mark as read)",
  "/api/doctype-fields": "the webhook form's field picker",
  "/api/desk-search": "the awesomebar's search box in the desk's top bar",
  "/api/document-search": "the webhook form's document picker",
  "/api/log-settings": "the Log Settings page",
  "/api/webhook-preview": "the webhook form's Preview (an unsaved form)",
  "/api/webhook-stats/{name}": "the webhook form's charts",
  "/api/resource/DocType": "the desk's DocType registry (filled by events)",
  "/api/resource/DocType/{name}": "the desk's DocType registry (filled by events)",
  "/api/resource/User": "user admin: people, not host apps (the desk's User page)",
  "/api/resource/User/{name}": "user admin (the desk's User page)",
  "/api/resource/User/{name}/sessions": "user admin (the desk's User page)",
  "/api/resource/User/{name}/api-key": "user admin: keys are made on the User page or with npm run cli",
  "/api/resource/User/{name}/api-key/{key}": "user admin (revoking a key on the User page)",
};

/** Methods a documented route exports but only to refuse: left out of the document. */
const REFUSED_METHODS: Record<string, { methods: string[]; reason: string }> = {
  "/api/resource/{doctype}": { methods: ["POST", "PUT", "DELETE"], reason: "always 405: the logs are read-only" },
  "/api/resource/{doctype}/{name}": { methods: ["POST", "PUT", "DELETE"], reason: "always 405: the logs are read-only" },
};

/** A dynamic route documented as one path per value it serves (the DocTypes' rows differ). */
const LOG_DOCTYPES = ["Webhook Request Log", "Activity Log"].map(encodeURIComponent);
const EXPANDED: Record<string, string[]> = {
  "/api/resource/{doctype}": LOG_DOCTYPES.map((d) => `/api/resource/${d}`),
  "/api/resource/{doctype}/{name}": LOG_DOCTYPES.map((d) => `/api/resource/${d}/{name}`),
};
const documentedPaths = (p: string) => EXPANDED[p] ?? [p];

/** app/api/…/route.ts → its OpenAPI path: [name] → {name}. */
function routeFiles(dir = API): { path: string; methods: string[] }[] {
  const out: { path: string; methods: string[] }[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...routeFiles(full));
    else if (/^route\.tsx?$/.test(e.name)) {
      const rel = path.relative(path.resolve("app"), path.dirname(full)).split(path.sep).join("/");
      const src = fs.readFileSync(full, "utf8");
      const methods = METHODS.filter((m) => new RegExp(`^export\\s+(?:const|(?:async\\s+)?function)\\s+${m}\\b`, "m").test(src));
      out.push({ path: "/" + rel.replace(/\[([^\]]+)\]/g, "{$1}"), methods });
    }
  }
  return out;
}

describe("OpenAPI document", () => {
  const doc = openApiDocument() as { openapi: string; paths: Record<string, Record<string, unknown>> };
  const files = routeFiles();

  it("is OpenAPI 3.1", () => {
    expect(doc.openapi).toBe("3.1.0");
  });

  it.each(files.filter((f) => !(f.path in INTERNAL)))("documents $path with each method its route exports", ({ path: route, methods }) => {
    const refused = REFUSED_METHODS[route]?.methods ?? [];
    const served = methods.filter((m) => !refused.includes(m));
    for (const p of documentedPaths(route)) {
      expect(doc.paths[p], `${p} is neither in lib/openapi/document.ts nor listed as internal here`).toBeDefined();
      const documented = Object.keys(doc.paths[p] ?? {}).filter((k) => k !== "parameters");
      expect(documented.sort(), p).toEqual(served.map((m) => m.toLowerCase()).sort());
    }
  });

  it("documents no route that does not exist, and lists no internal route that is gone", () => {
    const onDisk = new Set(files.flatMap((f) => documentedPaths(f.path)));
    expect(Object.keys(doc.paths).filter((p) => !onDisk.has(p))).toEqual([]);
    expect(Object.keys(INTERNAL).filter((p) => !onDisk.has(p))).toEqual([]);
  });

  it("resolves every $ref", () => {
    const text = JSON.stringify(doc);
    const schemas = (doc as unknown as { components: { schemas: Record<string, unknown> } }).components.schemas;
    for (const [, name] of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) expect(schemas).toHaveProperty(name ?? "");
  });
});
