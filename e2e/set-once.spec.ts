import { expect, test } from "@playwright/test";
import { apiUser, unique } from "./helpers";

// DocType and Doc Event are set only once (Frappe's set_only_once): read-only on a saved
// webhook's form, and refused by REST with 422 at the field; echoing the same values is fine.

test("DocType and Doc Event are editable on a new webhook and read-only once saved", async ({ page }) => {
  const name = unique("wh-once");
  await page.goto("/app/webhook/new");
  await expect(page.getByLabel("DocType")).toBeEnabled();
  await expect(page.getByLabel("Doc Event")).toBeEnabled();
  await page.getByLabel("Webhook Name").fill(name);
  await page.getByLabel("DocType").selectOption("Quotation");
  await page.getByLabel("Doc Event").selectOption("on_update");
  await page.getByLabel("Request URL").fill("https://example.com/once");
  await page.getByRole("button", { name: "Create" }).click();
  await expect(page).toHaveURL(new RegExp(`/app/webhook/${name}$`));

  await expect(page.getByLabel("DocType")).toBeDisabled();
  await expect(page.getByLabel("DocType")).toHaveValue("Quotation");
  await expect(page.getByLabel("Doc Event")).toBeDisabled();
  await expect(page.getByLabel("Doc Event")).toHaveValue("on_update");
  await expect(page.getByText("Set when the webhook was created; it cannot be changed").first()).toBeVisible();

  // The rest of the form still saves, and the fixed fields keep their values.
  await page.getByLabel("Request Timeout").fill("7");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("not-saved")).toBeHidden();
  await page.reload();
  await expect(page.getByLabel("Request Timeout")).toHaveValue("7");
  await expect(page.getByLabel("DocType")).toHaveValue("Quotation");
});

test("REST refuses a changed DocType or Doc Event with 422 at the field; the same values pass", async ({ request }) => {
  const auth = { Authorization: apiUser().token };
  const name = unique("wh-once-rest");
  const created = await request.post("/api/resource/Webhook", {
    headers: auth,
    data: { name, webhook_doctype: "Quotation", webhook_docevent: "on_update", request_url: "https://example.com/once" },
  });
  expect(created.status()).toBe(201);
  const url = `/api/resource/Webhook/${encodeURIComponent(name)}`;

  const doctype = await request.put(url, { headers: auth, data: { webhook_doctype: "ToDo" } });
  expect(doctype.status()).toBe(422);
  expect((await doctype.json()).error).toMatchObject({
    code: "VALIDATION_ERROR",
    message: "Cannot change DocType after saving",
    fields: { webhook_doctype: "Cannot change DocType after saving" },
  });

  const event = await request.put(url, { headers: auth, data: { webhook_docevent: "after_insert" } });
  expect(event.status()).toBe(422);
  expect((await event.json()).error).toMatchObject({
    code: "VALIDATION_ERROR",
    message: "Cannot change Doc Event after saving",
    fields: { webhook_docevent: "Cannot change Doc Event after saving" },
  });

  // A client that echoes its GET body back, with a change elsewhere.
  const { data } = await (await request.get(url, { headers: auth })).json();
  const echoed = await request.put(url, { headers: auth, data: { ...data, timeout: 9 } });
  expect(echoed.status()).toBe(200);
  expect((await echoed.json()).data).toMatchObject({ webhook_doctype: "Quotation", webhook_docevent: "on_update", timeout: 9 });
});
