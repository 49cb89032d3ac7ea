import fs from "node:fs";
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { apiUser, queuedLog } from "./helpers";

// WCAG 2.2 AA: axe-core on every desk page, with data and empty (a list filtered to nothing,
// a new form), at laptop and phone size; any serious or critical violation fails. A page
// added under app/ without a visit here fails the first test.

const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/** The serious and critical violations axe finds on `url`, one line each with the elements. */
async function violationsOn(page: Page, url: string): Promise<string[]> {
  await page.goto(url);
  await expect(page.locator("main, form").first()).toBeVisible();
  // Monaco and the charts settle after load; axe reads what is on screen then.
  await page.waitForLoadState("networkidle");
  const { violations } = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${url}: ${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(" ")).join("\n    ")}`);
}

/** Every page is checked before the test fails, so one run lists everything to fix. */
async function expectAccessible(page: Page, list: string[]) {
  const bad: string[] = [];
  for (const url of list) bad.push(...(await violationsOn(page, url)));
  expect(bad, bad.join("\n")).toEqual([]);
}

let urls: { route: string; url: string }[] = [];

test.beforeAll(async ({ request }) => {
  const { token, email } = apiUser();
  const { doctype, doc, webhook, eventId, logName } = await queuedLog(request, token, "a11y", {
    request_structure: "JSON",
    webhook_json: '{ "name": {{ doc.name | tojson }} }',
  });
  const e = encodeURIComponent;
  urls = [
    { route: "app/page.tsx", url: "/app" },
    { route: "app/webhook/page.tsx", url: "/app/webhook" },
    { route: "app/webhook/page.tsx", url: `/app/webhook?name=${e("no such webhook")}` },
    { route: "app/webhook/new/page.tsx", url: "/app/webhook/new" },
    { route: "app/webhook/[name]/page.tsx", url: `/app/webhook/${e(webhook)}` },
    { route: "app/webhook-request-log/page.tsx", url: "/app/webhook-request-log" },
    { route: "app/webhook-request-log/page.tsx", url: "/app/webhook-request-log?status=Cancelled&webhook=nothing" },
    { route: "app/webhook-request-log/[name]/page.tsx", url: `/app/webhook-request-log/${e(logName)}` },
    { route: "app/event/page.tsx", url: "/app/event" },
    { route: "app/event/[id]/page.tsx", url: `/app/event/${e(eventId)}` },
    { route: "app/document/[doctype]/[name]/page.tsx", url: `/app/document/${e(doctype)}/${e(doc)}` },
    { route: "app/log-settings/page.tsx", url: "/app/log-settings" },
    { route: "app/alert/page.tsx", url: "/app/alert" },
    { route: "app/user/page.tsx", url: "/app/user" },
    { route: "app/user/new/page.tsx", url: "/app/user/new" },
    { route: "app/user/[name]/page.tsx", url: `/app/user/${e(email)}` },
    { route: "app/doctype/page.tsx", url: "/app/doctype" },
    { route: "app/doctype/[name]/page.tsx", url: `/app/doctype/${e(doctype)}` },
    { route: "app/activity-log/page.tsx", url: "/app/activity-log" },
    { route: "app/api/page.tsx", url: "/app/api" },
  ];
});

/** Every page.tsx under app/app (the desk). */
function deskPages(dir = path.resolve("app/app"), rel = "app"): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    if (d.isDirectory()) return d.name.startsWith("_") ? [] : deskPages(path.join(dir, d.name), `${rel}/${d.name}`);
    return d.name === "page.tsx" ? [`${rel}/page.tsx`] : [];
  });
}

test("visits every desk page", () => {
  const visited = new Set(urls.map((u) => u.route));
  expect(deskPages().filter((p) => !visited.has(p))).toEqual([]);
});

test("every desk page passes axe (WCAG 2.2 AA) on a laptop", async ({ page }) => {
  test.setTimeout(180_000);
  await expectAccessible(
    page,
    urls.map((u) => u.url),
  );
});

test("every desk page passes axe (WCAG 2.2 AA) on a phone", async ({ page }) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 390, height: 844 });
  await expectAccessible(
    page,
    urls.map((u) => u.url),
  );
});

test.describe("signed out", () => {
  test.use({ storageState: { cookies: [], origins: [] } });
  test("the login page passes axe", async ({ page }) => {
    await expectAccessible(page, ["/login"]);
  });
});
