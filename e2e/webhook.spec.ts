import { expect, test, type Page } from "@playwright/test";
import { apiUser, unique } from "./helpers";

// The Webhook form, its Frappe validations, the live preview and the REST resource.
//
// Driving the JSON Request Body (Monaco): `page.getByLabel("JSON Request Body")` is the
// editor's plain-text twin, a real <textarea> bound to the same value. `.fill(text)` sets the
// template exactly (Monaco's auto-closing brackets do not apply) and `toHaveValue()` reads
// it. To type the way a person does, click `.monaco-editor .view-lines` and use
// `page.keyboard` (nothing is auto-closed or suggested: what is typed is the template).

async function newWebhook(page: Page, o: { name: string; doctype?: string; event?: string; url?: string }) {
  await page.goto("/app/webhook/new");
  await page.getByLabel("Webhook Name").fill(o.name);
  await page.getByLabel("DocType").selectOption(o.doctype ?? "Quotation");
  await page.getByLabel("Doc Event").selectOption(o.event ?? "on_update");
  await page.getByLabel("Request URL").fill(o.url ?? "https://example.com/hooks/quotation");
}

/** "Create" on the new-webhook view (seed 004), "Save" once it exists. */
async function save(page: Page) {
  await page.getByRole("button", { name: /^(Create|Save)$/ }).click();
}

const headers = (page: Page) => page.getByRole("table", { name: "Headers" });
const dataTable = (page: Page) => page.getByRole("table", { name: "Data" });

test("creates a Form URL-Encoded webhook with headers and data rows, saved across a reload", async ({ page }) => {
  const name = unique("wh-form");
  await newWebhook(page, { name });
  await page.getByLabel("Request Method").selectOption("PUT");
  await page.getByLabel("Request Structure").selectOption("Form URL-Encoded");
  // Frappe adds the Content-Type header the structure implies.
  await expect(headers(page).getByLabel("Key 1")).toHaveValue("Content-Type");
  await expect(headers(page).getByLabel("Value 1")).toHaveValue("application/x-www-form-urlencoded");

  // Keyboard: Enter in the last row adds a row and moves there.
  await headers(page).getByLabel("Value 1").press("Enter");
  await expect(headers(page).getByLabel("Key 2")).toBeFocused();
  await page.keyboard.type("X-Source");
  await headers(page).getByLabel("Value 2").fill("webhook-desk");

  const data = dataTable(page);
  await page.getByRole("button", { name: "Add Row" }).nth(1).click();
  await data.getByLabel("Fieldname 1").selectOption("name");
  await expect(data.getByLabel("Key 1")).toHaveValue("name"); // choosing a field fills Key
  await data.getByLabel("Key 1").fill("id");
  await page.getByRole("button", { name: "Add Row" }).nth(1).click();
  await data.getByLabel("Fieldname 2").selectOption({ label: "Items (Table)" });
  await data.getByLabel("Key 2").fill("lineItems");
  await page.getByRole("button", { name: "Move Row 2 Up" }).last().click();
  await expect(data.getByLabel("Key 1")).toHaveValue("lineItems");

  await save(page);
  await expect(page).toHaveURL(`/app/webhook/${name}`);
  await expect(page.getByRole("heading", { name })).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Request Method")).toHaveValue("PUT");
  await expect(page.getByLabel("Request Structure")).toHaveValue("Form URL-Encoded");
  await expect(headers(page).getByLabel("Key 2")).toHaveValue("X-Source");
  await expect(dataTable(page).getByLabel("Fieldname 1")).toHaveValue("items");
  await expect(dataTable(page).getByLabel("Key 2")).toHaveValue("id");
  await expect(page.getByText("Not Saved")).toHaveCount(0);
});

test("creates a JSON webhook whose template is typed into the code editor", async ({ page }) => {
  const name = unique("wh-json");
  const workers: string[] = [];
  const offsite: string[] = [];
  page.on("worker", (w) => workers.push(w.url()));
  page.on("request", (r) => {
    if (!/^(http:\/\/localhost|data:|blob:)/.test(r.url())) offsite.push(r.url());
  });
  await newWebhook(page, { name });
  await page.getByLabel("Request Structure").selectOption("JSON");
  await expect(headers(page).getByLabel("Value 1")).toHaveValue("application/json");
  await expect(page.locator(".monaco-editor")).toBeVisible();

  const body = '{\n  "id": "{{ doc.name }}",\n  "total": {{ doc.total }}\n}';
  await page.getByLabel("JSON Request Body").fill(body);
  await expect(page.locator(".monaco-editor .view-lines")).toContainText('"total": {{ doc.total }}');
  // A person typing in Monaco: the edit reaches the form too.
  await page.locator(".monaco-editor .view-lines").click();
  await page.keyboard.press("Control+End");
  await page.keyboard.type(" ");
  await expect(page.getByLabel("JSON Request Body")).toHaveValue(body + " ");

  await page.keyboard.press("Control+s");
  await expect(page).toHaveURL(`/app/webhook/${name}`);
  await page.reload();
  await expect(page.getByLabel("JSON Request Body")).toHaveValue(body + " ");
  await expect(page.locator(".monaco-editor .view-lines")).toContainText('"id": "{{ doc.name }}"');
  expect(workers.length, "Monaco's web workers start").toBeGreaterThan(0);
  expect(offsite, "nothing loads from a CDN").toEqual([]);
});

test("shows each of Frappe's validation messages at its field", async ({ page }) => {
  const name = unique("wh-invalid");
  await page.goto("/app/webhook/new");
  await save(page);
  await expect(page.getByText("DocType is required")).toBeVisible();
  await expect(page.getByText("Doc Event is required")).toBeVisible();

  await newWebhook(page, { name, doctype: "Note", event: "on_submit", url: "example.com/no-scheme" });
  await page.getByLabel("Condition", { exact: true }).fill('doc.status == "Open" and');
  await save(page);
  const at = (field: string) => page.locator(`[data-fieldname="${field}"] .error`);
  await expect(at("webhook_docevent")).toHaveText("DocType must be Submittable for the selected Doc Event");
  await expect(at("condition")).toHaveText(/^Invalid Condition: /);
  await expect(at("request_url")).toHaveText("Check Request URL");

  await page.getByLabel("DocType").selectOption("Quotation");
  await page.getByLabel("Condition", { exact: true }).fill('doc.status == "Open"');
  await page.getByLabel("Request URL").fill("https://example.com/hook");
  await page.getByLabel("Request Timeout").fill("0");
  await save(page);
  await expect(page.getByText("Request Timeout must be a positive number of seconds")).toBeVisible();
  await page.getByLabel("Request Timeout").fill("5");

  await page.getByRole("button", { name: "Add Row" }).nth(1).click();
  await page.getByRole("button", { name: "Add Row" }).nth(1).click();
  await dataTable(page).getByLabel("Fieldname 1").selectOption("status");
  await dataTable(page).getByLabel("Fieldname 2").selectOption("status");
  await save(page);
  await expect(page.getByText("Same Field is entered more than once")).toBeVisible();
  await page.getByRole("button", { name: "Delete Row 2" }).last().click();

  await page.getByLabel("Enable Security").check();
  await save(page);
  await expect(page.getByText("Invalid Webhook Secret")).toBeVisible();
  await page.getByLabel("Webhook Secret").fill("a-long-shared-secret");

  await page.getByLabel("Request Structure").selectOption("JSON");
  await page.getByLabel("JSON Request Body").fill('{\n  "id": "{{ doc.name }}",\n  "x": {% if %}\n}');
  await save(page);
  await expect(at("webhook_json")).toHaveText(/^Syntax error in template at line 3: /);
  await expect(page.locator(".monaco-editor .squiggly-error")).toHaveCount(1); // marked at its line

  await page.getByLabel("JSON Request Body").fill('{"id": "{{ doc.name }}"}');
  await save(page);
  await expect(page).toHaveURL(`/app/webhook/${name}`);

  // The name is unique.
  await newWebhook(page, { name });
  await save(page);
  await expect(page.getByText(`Webhook ${name} already exists`)).toBeVisible();
});

test("previews the unsaved form live against a stored document", async ({ page }) => {
  await newWebhook(page, { name: unique("wh-preview") });
  await expect(page.getByLabel("Meets Condition?")).toHaveValue("Select a document to check if it meets conditions.");
  await page.getByLabel("Select Document").fill("QTN-0000");
  await page.getByRole("option", { name: /QTN-00003/ }).click();
  await expect(page.getByLabel("Meets Condition?")).toHaveValue("Yes"); // no condition
  await expect(page.getByLabel("Meets Condition?")).toHaveText("Yes"); // a read-only field: value and text agree

  await page.getByLabel("Condition", { exact: true }).fill("doc.total > 40000");
  await expect(page.getByLabel("Meets Condition?")).toHaveValue("Yes");
  await page.getByLabel("Condition", { exact: true }).fill('doc.status=="Draft"');
  await expect(page.getByLabel("Meets Condition?")).toHaveValue("No");
  await page.getByLabel("Condition", { exact: true }).fill("doc.total >");
  await expect(page.getByLabel("Meets Condition?")).toHaveValue(/^Failed to evaluate conditions: /);

  const body = page.getByLabel("Request Body", { exact: true });
  await page.getByLabel("Request Structure").selectOption("JSON");
  await page.getByLabel("JSON Request Body").fill('{"quote": "{{ doc.name }}", "total": {{ doc.total }}}');
  await expect(body).toHaveValue('{\n  "quote": "QTN-00003",\n  "total": 49000\n}');
  await page.getByLabel("JSON Request Body").fill('{"customer": "{{ doc.customer_name }}"}');
  await expect(body).toHaveValue('{\n  "customer": "Initech"\n}');
  await expect(body).toContainText('"customer": "Initech"');
  await page.getByLabel("JSON Request Body").fill('{"customer": {{ doc.customer_name }');
  await expect(body).toHaveValue(/^Failed to compute request body: /);

  // Also the final request: URL, method, headers, and a cURL command to copy.
  await page.getByLabel("JSON Request Body").fill('{"id": "{{ doc.name }}"}');
  await expect(page.getByTestId("preview-url")).toHaveText("https://example.com/hooks/quotation");
  await expect(page.getByTestId("preview-headers")).toContainText("Content-Type: application/json");
  await expect(page.getByRole("button", { name: "Copy as cURL" })).toBeEnabled();
});

test("the Webhook Secret is write-only and never reaches the browser", async ({ page }) => {
  const secret = `s3cret-${Date.now()}-value`;
  const seen: string[] = [];
  page.on("response", async (r) => {
    const text = await r.text().catch(() => "");
    if (text.includes(secret)) seen.push(r.url());
  });
  const name = unique("wh-secret");
  await newWebhook(page, { name });
  await page.getByLabel("Enable Security").check();
  await page.getByLabel("Webhook Secret").fill(secret);
  await page.getByLabel("Select Document").fill("QTN-00001");
  await expect(page.getByTestId("preview-headers")).toContainText("X-Frappe-Webhook-Signature: ***");
  await save(page);
  await expect(page).toHaveURL(`/app/webhook/${name}`);
  await page.reload();
  await expect(page.getByLabel("Webhook Secret")).toHaveValue("");
  await expect(page.getByTestId("secret-set")).toBeVisible();
  await page.getByLabel("Webhook Secret").fill(`${secret}-2`);
  await save(page);
  await expect(page.getByText("Not Saved")).toHaveCount(0);
  await page.reload();
  expect(seen).toEqual([]);
});

test("edits are versioned; disabling shows in the list; delete asks first", async ({ page }) => {
  const name = unique("wh-edit");
  await newWebhook(page, { name });
  await save(page);
  await expect(page).toHaveURL(`/app/webhook/${name}`);
  await page.getByLabel("Request URL").fill("https://example.com/v2");
  await page.getByLabel("Enabled").uncheck();
  await expect(page.getByText("Not Saved")).toBeVisible();
  await page.keyboard.press("Control+s");
  await expect(page.getByText("Not Saved")).toHaveCount(0);
  const activity = page.getByTestId("version-timeline");
  await expect(activity).toContainText("Administrator changed");
  await expect(activity).toContainText("Request URL from https://example.com/hooks/quotation to https://example.com/v2");

  await page.goto(`/app/webhook?search=${name}`);
  const row = page.getByRole("row", { name: new RegExp(name) });
  await expect(row.getByText("Disabled")).toBeVisible();
  await row.getByRole("link", { name }).click();

  await page.getByRole("button", { name: "Delete" }).click();
  await expect(page.getByRole("dialog")).toContainText(`Permanently delete Webhook ${name}?`);
  await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
  await expect(page).toHaveURL("/app/webhook");
  expect((await page.request.get(`/api/resource/Webhook/${name}`)).status()).toBe(404);
});

test.describe("REST resource", () => {
  test("create, read, update, list and delete with an API token", async ({ request }) => {
    const { token } = apiUser();
    const auth = { Authorization: token };
    const name = unique("wh-rest");
    const created = await request.post("/api/resource/Webhook", {
      headers: auth,
      data: {
        name,
        webhook_doctype: "Quotation",
        webhook_docevent: "on_submit",
        request_url: "https://example.com/rest",
        isdynamicurl: 0,
        enable_security: 1,
        webhook_secret: "rest-secret-123",
        webhook_headers: [{ key: "X-Tenant", value: "acme" }],
        webhook_data: [{ fieldname: "name", key: "id" }],
      },
    });
    expect(created.status()).toBe(201);
    const { data } = await created.json();
    expect(data).toMatchObject({
      name,
      enabled: 1,
      timeout: 5,
      request_method: "POST",
      has_webhook_secret: true,
      webhook_headers: [{ key: "X-Tenant", value: "acme" }],
    });
    expect(JSON.stringify(data)).not.toContain("rest-secret-123");

    const put = await request.put(`/api/resource/Webhook/${name}`, { headers: auth, data: { enabled: 0 } });
    expect((await put.json()).data).toMatchObject({ enabled: 0, webhook_data: [{ fieldname: "name", key: "id" }] });

    const list = await request.get(
      `/api/resource/Webhook?filters=${encodeURIComponent(JSON.stringify([["name", "=", name]]))}&fields=["name","enabled"]`,
      { headers: auth },
    );
    expect((await list.json()).data).toEqual([{ name, enabled: 0 }]);

    const simple = await request.get("/api/resource/Webhook?webhook_doctype=Quotation&limit_page_length=0", { headers: auth });
    expect((await simple.json()).data).toContainEqual({ name }); // Frappe's default fields: name

    const bad = await request.put(`/api/resource/Webhook/${name}`, { headers: auth, data: { webhook_doctype: "Note" } });
    expect(bad.status()).toBe(422);
    expect((await bad.json()).error.message).toBe("Cannot change DocType after saving"); // set only once

    expect((await request.delete(`/api/resource/Webhook/${name}`, { headers: auth })).status()).toBe(200);
    expect((await request.get(`/api/resource/Webhook/${name}`, { headers: auth })).status()).toBe(404);
  });

  // Pins what Next 16 hands over: route handlers get each segment decoded once (so no handler
  // decodes again), pages get it still encoded (so pageParam decodes once). A name that looks
  // percent-encoded must stay itself everywhere, never turn into the webhook it decodes to.
  test("a name that looks percent-encoded is itself on every route and on its page", async ({ request, page }) => {
    const { token } = apiUser();
    const auth = { Authorization: token };
    const tag = unique("wh-enc");
    const literal = `${tag} Orders%20EU+ü`;
    const decoy = `${tag} Orders EU+ü`; // what decoding twice would make of it
    for (const name of [literal, decoy]) {
      const res = await request.post("/api/resource/Webhook", {
        headers: auth,
        data: {
          name,
          webhook_doctype: "Quotation",
          webhook_docevent: "on_update",
          request_url: "https://example.com/enc",
          enable_security: 1,
          webhook_secret: "enc-secret-123",
        },
      });
      expect(res.status(), name).toBe(201);
    }
    const at = `/api/resource/Webhook/${encodeURIComponent(literal)}`;
    expect((await (await request.get(at, { headers: auth })).json()).data).toMatchObject({ name: literal });
    const put = await request.put(at, { headers: auth, data: { timeout: 7 } });
    expect((await put.json()).data).toMatchObject({ name: literal, timeout: 7 });
    const rotated = await request.post(`${at}/rotate-secret`, { headers: auth });
    expect(rotated.status()).toBe(200);
    expect(await rotated.json()).toMatchObject({ name: literal });
    // The decoy was left alone.
    const decoyAt = `/api/resource/Webhook/${encodeURIComponent(decoy)}`;
    expect((await (await request.get(decoyAt, { headers: auth })).json()).data).toMatchObject({ name: decoy, timeout: 5 });

    await page.goto(`/app/webhook/${encodeURIComponent(literal)}`);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(literal);
    await expect(page.getByLabel("Request Timeout")).toHaveValue("7");

    // "+" in a DocType segment is a space, as Frappe clients write it.
    expect((await request.get("/api/resource/Webhook+Request+Log?limit=1", { headers: auth })).status()).toBe(200);

    for (const a of [at, decoyAt]) expect((await request.delete(a, { headers: auth })).status()).toBe(200);
    expect((await request.get(at, { headers: auth })).status()).toBe(404);
  });

  test("is for System Managers only", async ({ request }) => {
    const { token } = apiUser(["Desk User"]);
    const res = await request.get("/api/resource/Webhook", { headers: { Authorization: token } });
    expect(res.status()).toBe(403);
    expect((await request.get("/api/resource/Webhook", { headers: { Authorization: "token nope:nope" } })).status()).toBe(401);
  });
});
