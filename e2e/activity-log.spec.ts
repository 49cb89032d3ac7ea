import { expect, test } from "@playwright/test";
import { apiUser, login, unique } from "./helpers";

test.describe("Activity Log", () => {
  test("shows users, keys and webhook secret rotations with who, when and from where", async ({ page, request }) => {
    // A System Manager with an API key, made on the command line ("cli" is the actor).
    const manager = apiUser();
    const auth = { Authorization: manager.token };
    // A space and an ampersand: the subject link must encode the name.
    const name = `Orders & Co ${unique("act")}`;
    const secret = `s3cret-${Date.now()}`;
    const created = await request.post("/api/resource/Webhook", {
      headers: auth,
      data: {
        name,
        webhook_doctype: "Quotation",
        webhook_docevent: "on_update",
        request_url: "https://example.com/hook",
        enable_security: 1,
        webhook_secret: secret,
      },
    });
    expect(created.status()).toBe(201);
    const rotated = await request.post(`/api/resource/Webhook/${encodeURIComponent(name)}/rotate-secret`, { headers: auth });
    expect(rotated.status()).toBe(200);
    const newSecret: string = (await rotated.json()).secret;

    await page.goto("/app");
    await page.getByRole("navigation", { name: "Sidebar" }).getByRole("link", { name: "Activity Log", exact: true }).click();
    await expect(page).toHaveURL(/\/app\/activity-log$/);
    await expect(page.getByRole("heading", { name: "Activity Log" })).toBeVisible();

    const rotation = page
      .getByRole("row")
      .filter({ hasText: "Webhook Secret Rotated" })
      .filter({ hasText: `Webhook/${name}` });
    await expect(rotation).toHaveCount(1);
    await expect(rotation).toContainText(manager.email);
    await expect(rotation).toContainText(/just now|ago/);
    // The Address column: the desk's server hands the socket address to the app.
    await expect(rotation.getByRole("cell").last()).toHaveText(/^(127\.0\.0\.1|::1)$/);
    await expect(rotation.getByRole("link", { name: `Webhook/${name}` })).toHaveAttribute(
      "href",
      `/app/webhook/${encodeURIComponent(name)}`,
    );
    await expect(
      page
        .getByRole("row")
        .filter({ hasText: "Webhook Secret Set" })
        .filter({ hasText: `Webhook/${name}` }),
    ).toHaveCount(1);
    await expect(
      page
        .getByRole("row")
        .filter({ hasText: "API Key Created" })
        .filter({ hasText: `User/${manager.email}` }),
    ).toHaveCount(1);
    const html = await page.content();
    expect(html).not.toContain(secret);
    expect(html).not.toContain(newSecret);

    // Filter by operation: only User Created rows, ours among them, linked to the user.
    await page.getByLabel("Operation").selectOption("User Created");
    await expect(page).toHaveURL(/operation=User\+Created/);
    const bodyRows = page.getByRole("row").filter({ has: page.getByRole("cell") });
    await expect(bodyRows.filter({ hasNotText: "User Created" })).toHaveCount(0);
    const userRow = page.getByRole("row").filter({ hasText: `User/${manager.email}` });
    await expect(userRow).toContainText("cli");
    await expect(userRow.getByRole("link", { name: `User/${manager.email}` })).toHaveAttribute(
      "href",
      `/app/user/${encodeURIComponent(manager.email)}`,
    );

    // ... and by user: nothing this manager did was a User Created.
    await page.getByLabel("User", { exact: true }).fill(manager.email);
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page).toHaveURL(/user=/);
    await expect(page.getByText("No results match these filters.")).toBeVisible();
  });

  test("is readable over REST by System Managers only, never with a secret, and read-only", async ({ request }) => {
    const manager = apiUser();
    const name = unique("act-rest");
    const secret = `rest-s3cret-${Date.now()}`;
    await request.post("/api/resource/Webhook", {
      headers: { Authorization: manager.token },
      data: {
        name,
        webhook_doctype: "Quotation",
        webhook_docevent: "on_update",
        request_url: "https://example.com/hook",
        enable_security: 1,
        webhook_secret: secret,
      },
    });
    const list = await request.get(
      `/api/resource/Activity Log?operation=${encodeURIComponent("Webhook Secret Set")}&subject=${encodeURIComponent(name)}`,
      {
        headers: { Authorization: manager.token },
      },
    );
    expect(list.status()).toBe(200);
    const text = await list.text();
    expect(text).not.toContain(secret);
    const { data } = JSON.parse(text) as { data: Record<string, string>[] };
    expect(data).toEqual([
      {
        name: expect.stringMatching(/^\d+$/),
        creation: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/),
        operation: "Webhook Secret Set",
        user: manager.email,
        subject: `Webhook/${name}`,
        details: "Webhook Secret set",
        ip_address: expect.any(String),
      },
    ]);
    const one = await request.get(`/api/resource/Activity Log/${data[0]?.name}`, { headers: { Authorization: manager.token } });
    expect((await one.json()).data).toMatchObject({ name: data[0]?.name, subject: `Webhook/${name}` });
    expect(
      (await request.delete(`/api/resource/Activity Log/${data[0]?.name}`, { headers: { Authorization: manager.token } })).status(),
    ).toBe(405);
    expect((await request.post("/api/resource/Activity Log", { headers: { Authorization: manager.token }, data: {} })).status()).toBe(405);

    const deskUser = apiUser(["Desk User"]);
    const refused = await request.get("/api/resource/Activity Log", { headers: { Authorization: deskUser.token } });
    expect(refused.status()).toBe(403);
    expect((await refused.json()).error.code).toBe("FORBIDDEN");
  });

  test("answers 403 to a signed-in user without System Manager", async ({ browser }) => {
    const u = apiUser(["Desk User"]);
    const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
    const page = await context.newPage();
    await login(page, u.email, u.password);
    await page.waitForURL(/\/app/);
    const res = await page.goto("/app/activity-log");
    expect(res?.status()).toBe(403);
    await expect(page.getByRole("heading", { name: /403/ })).toBeVisible();
    await context.close();
  });
});
