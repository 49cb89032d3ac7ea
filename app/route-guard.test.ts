// Every route handler goes through the one guard (lib/auth/guard.ts): each HTTP method a
// route file under app/ exports must carry the GUARDED mark that guard(), withRole() and
// publicRoute() put on the handlers they return. A new route that forgets the guard, or a
// public route nobody agreed to, fails here; e2e/route-matrix.spec.ts checks the answers.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
// Routes anyone may call (everything else needs a role): a decision, made in e2e/route-matrix.ts.
import { PUBLIC_ROUTES } from "@/e2e/route-matrix";
import { type Access, GUARDED } from "@/lib/auth/guard";

const APP = path.dirname(fileURLToPath(import.meta.url));
const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
/** Route segment config a route file may export besides its handlers. */
const SEGMENT_CONFIG = new Set(["dynamic", "dynamicParams", "revalidate", "fetchCache", "runtime", "preferredRegion", "maxDuration"]);
/** Pages outside the desk that need no sign-in. */
const PUBLIC_PAGES = new Set(["page.tsx", "login/page.tsx"]);

/** Files under app/ (relative, with forward slashes) whose name matches. */
function walk(dir: string, match: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(full, match));
    else if (match(e.name)) out.push(path.relative(APP, full).split(path.sep).join("/"));
  }
  return out.sort();
}

const routeFiles = walk(APP, (n) => /^route\.(ts|tsx|js|mjs)$/.test(n));
const pageFiles = walk(APP, (n) => /^page\.(tsx|ts|jsx|js)$/.test(n));

type Mark = Access | "public" | undefined;
const markOf = (v: unknown): Mark => (typeof v === "function" ? (v as unknown as Record<symbol, Mark>)[GUARDED] : undefined);

describe("route guard", () => {
  it("finds the route files", () => {
    expect(routeFiles.length).toBeGreaterThan(10);
    expect(routeFiles).toContain("api/events/route.ts");
  });

  it.each(routeFiles)("%s: every handler is guarded", async (file) => {
    const mod = (await import(/* @vite-ignore */ path.join(APP, file))) as Record<string, unknown>;
    const methods = Object.keys(mod).filter((k) => (HTTP_METHODS as readonly string[]).includes(k));
    expect(methods, "a route file exports at least one handler").not.toHaveLength(0);
    const stray = Object.keys(mod).filter((k) => !methods.includes(k) && !SEGMENT_CONFIG.has(k));
    expect(stray, "a route file exports only handlers and segment config").toEqual([]);
    for (const m of methods) {
      const mark = markOf(mod[m]);
      expect(mark, `${file} ${m} is wrapped by guard(), withRole() or publicRoute()`).toBeDefined();
      if (PUBLIC_ROUTES.has(file)) {
        expect(mark, `${file} ${m}`).toBe("public");
      } else {
        expect(mark, `${file} ${m} is not public: only ${[...PUBLIC_ROUTES].join(", ")} are`).not.toBe("public");
        const access = mark as Access;
        expect(access.roles.length, `${file} ${m} names a role`).toBeGreaterThan(0);
      }
    }
  });

  it("every listed public route exists", () => {
    for (const f of PUBLIC_ROUTES) expect(routeFiles).toContain(f);
  });

  it.each(pageFiles.filter((f) => !PUBLIC_PAGES.has(f)))("%s calls requireDeskPage", (file) => {
    expect(file.startsWith("app/"), `${file}: pages outside /app need an entry in PUBLIC_PAGES`).toBe(true);
    expect(readFileSync(path.join(APP, file), "utf8")).toMatch(/\bawait requireDeskPage\(/);
  });
});
