import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { apiUser, unique } from "./helpers";

// The JSON Request Body editor (Monaco): nothing auto-closes and nothing is suggested while
// a person types; a template error is marked at its line and column; a body that does not
// render to valid JSON for the preview document saves with a warning (as Frappe saves it).

const body = (page: Page) => page.getByLabel("JSON Request Body");
const editorLines = (page: Page) => page.locator(".monaco-editor .view-lines");

/** A JSON webhook (sending nothing: on_trash) and a stored Quotation to preview with. */
async function jsonWebhook(request: APIRequestContext): Promise<{ name: string; docName: string }> {
  const auth = { Authorization: apiUser().token };
  const name = unique("wh-editor");
  const docName = `QTN-${name}`;
  const res = await request.post("/api/resource/Webhook", {
    headers: auth,
    data: {
      name,
      webhook_doctype: "Quotation",
      webhook_docevent: "on_trash",
      request_url: "https://example.com/editor",
      request_structure: "JSON",
      webhook_json: '{"id": "{{ doc.name }}"}',
    },
  });
  expect(res.status()).toBe(201);
  const ev = await request.post("/api/events", {
    headers: auth,
    data: { doctype: "Quotation", event: "on_update", doc: { name: docName, status: "Open" } },
  });
  expect(ev.status()).toBe(202);
  return { name, docName };
}

test("a body typed line by line is what was typed: no auto-closed brackets or quotes, no suggestion box", async ({ page, request }) => {
  const { name } = await jsonWebhook(request);
  await page.goto(`/app/webhook/${name}`);
  await expect(page.locator(".monaco-editor")).toBeVisible();
  await editorLines(page).click();
  await page.keyboard.press("Control+a");
  await page.keyboard.press("Delete");
  for (const line of ["{", '"id": "{{ doc.name }}",', '"status": "{{ doc.status }}"']) {
    await page.keyboard.type(line);
    await page.keyboard.press("Enter");
  }
  await page.keyboard.type("}");
  // Exactly what was typed (Monaco's auto-indent aside): one closing brace, no closed quotes.
  await expect(body(page)).toHaveValue(/^\{\n {2}"id": "\{\{ doc\.name \}\}",\n {2}"status": "\{\{ doc\.status \}\}"\n *\}$/);
  await expect(page.locator(".monaco-editor .suggest-widget.visible")).toHaveCount(0);
  await page.keyboard.type('\n"');
  await expect(body(page)).toHaveValue(/\}\n *"$/);
  await expect(page.locator(".monaco-editor .suggest-widget.visible")).toHaveCount(0);
});

test("a template error on line 2 is marked on line 2, at its column", async ({ page, request }) => {
  const { name } = await jsonWebhook(request);
  await page.goto(`/app/webhook/${name}`);
  await expect(page.locator(".monaco-editor")).toBeVisible();
  // Column 22 is the lone "}" that should have been "}}".
  await body(page).fill('{\n  "id": "{{ doc.name }",\n  "b": 1\n}');
  const squiggle = page.locator(".monaco-editor .squiggly-error");
  await expect(squiggle).toHaveCount(1);
  const mark = await squiggle.boundingBox();
  const line2 = page.locator(".monaco-editor .view-line").filter({ hasText: '"id": "{{ doc.name }",' });
  const box = await line2.boundingBox();
  if (!mark || !box) throw new Error("no marker or line on screen");
  expect(Math.abs(mark.y + mark.height / 2 - (box.y + box.height / 2))).toBeLessThan(box.height / 2);
  // Where column 22 (offset 21) starts on screen: a DOM range over the line's text.
  const column22 = await line2.evaluate((el) => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let left = 21;
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const len = n.textContent?.length ?? 0;
      if (left < len) {
        const r = document.createRange();
        r.setStart(n, left);
        r.setEnd(n, left + 1);
        return r.getBoundingClientRect().left;
      }
      left -= len;
    }
    return -1;
  });
  expect(Math.abs(mark.x - column22)).toBeLessThan(3);
});

test("a body that is not valid JSON for the preview document saves, with a warning", async ({ page, request }) => {
  const { name, docName } = await jsonWebhook(request);
  await page.goto(`/app/webhook/${name}`);
  await page.getByLabel("Select Document").fill(docName);
  await page.getByRole("option", { name: new RegExp(docName) }).click();
  // The name is text: unquoted, it renders to {"id": QTN-…}, which is not JSON.
  await body(page).fill('{"id": {{ doc.name }}}');
  await page.getByRole("button", { name: "Save" }).click();
  const warning = page.getByTestId("save-warning");
  await expect(warning).toContainText(`Saved, but the JSON Request Body does not render for ${docName}`);
  await expect(warning).toContainText("Invalid JSON");
  await expect(page.getByTestId("not-saved")).toBeHidden();
  await page.reload();
  await expect(body(page)).toHaveValue('{"id": {{ doc.name }}}');
  await expect(page.getByTestId("save-warning")).toHaveCount(0);

  // A body that renders fine saves without one.
  await page.getByLabel("Select Document").fill(docName);
  await page.getByRole("option", { name: new RegExp(docName) }).click();
  await body(page).fill('{"id": "{{ doc.name }}"}');
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("not-saved")).toBeHidden();
  await expect(page.getByTestId("save-warning")).toHaveCount(0);
});
