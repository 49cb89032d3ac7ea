// Signing in: the throttle (per canonical account and client address, 10 failures in 15
// minutes; 100 per account from all addresses), the same answer and timing for unknown names,
// next-auth's own Credentials callback, `next` that never leaves the desk, and the login form
// without JavaScript. Every test uses fresh users, so the Administrator is never locked.
import { expect, test } from "@playwright/test";
import { baseURL } from "../playwright.config";
import { DESK, INVALID_LOGIN, newUser, passwordLogin, rawRequest, sessionCookie, unique } from "./helpers";

const LOCKED = /^Too many failed login attempts\. Try again in 1[45] minutes\.$/;

const errorOf = async (res: { json(): Promise<unknown> }) => ((await res.json()) as { error: { code: string; message: string } }).error;

test.describe("the sign-in throttle", () => {
  test("guesses at made-up names never lock a real account", async ({ request }) => {
    const u = newUser();
    // One made-up name, guessed 12 times: that name locks after 10 (it is its own bucket)...
    const ghost = `${unique("ghost")}@example.com`;
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await passwordLogin(request, ghost, `guess-${i}`)).status());
    expect(statuses).toEqual([...Array<number>(10).fill(401), 429, 429]);
    // ...and a dozen names next to the real one, and made-up ones, each tried with its password.
    const nearMisses = [`${u.email}x`, `x${u.email}`, u.email.replace("@", "@@"), u.email.replace("@example.com", "@example.org")];
    for (const name of [...nearMisses, ...Array.from({ length: 10 }, (_, i) => `${unique(`made-up-${i}`)}@example.com`)]) {
      const res = await passwordLogin(request, name, u.password);
      expect(res.status(), name).toBe(401);
      expect(await errorOf(res)).toEqual({ code: "UNAUTHORIZED", message: INVALID_LOGIN });
    }
    // The real account was never touched.
    const ok = await passwordLogin(request, u.email, u.password);
    expect(ok.status(), await ok.text()).toBe(200);
  });

  test("X-Forwarded-For (and a forged client-address header) buy no fresh attempts without TRUST_PROXY", async ({ request, page }) => {
    const u = newUser();
    for (let i = 1; i <= 10; i++) {
      const res = await passwordLogin(request, u.email, `wrong-${i}`, {
        "X-Forwarded-For": `203.0.113.${i}`,
        "X-Real-IP": `203.0.113.${i}`,
        "X-Webhook-Desk-Client-Address": `198.51.100.${i}`,
      });
      expect(res.status(), `attempt ${i}`).toBe(401);
      expect(await errorOf(res)).toEqual({ code: "UNAUTHORIZED", message: INVALID_LOGIN });
    }
    // The 11th, from "yet another address" and with the right password, is refused unchecked.
    const locked = await passwordLogin(request, u.email, u.password, {
      "X-Forwarded-For": "192.0.2.77",
      "X-Webhook-Desk-Client-Address": "192.0.2.77",
    });
    expect(locked.status()).toBe(429);
    const error = await errorOf(locked);
    expect(error.code).toBe("TOO_MANY_REQUESTS");
    expect(error.message).toMatch(LOCKED);
    const retryAfter = Number(locked.headers()["retry-after"]);
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);

    // The login form's POST is refused the same way: back to /login, which says why.
    const form = await request.post("/api/login", {
      form: { username: u.email, password: u.password, next: "/app/webhook" },
      headers: { "X-Forwarded-For": "192.0.2.78" },
      maxRedirects: 0,
    });
    expect(form.status()).toBe(303);
    const location = form.headers().location ?? "";
    expect(location).toMatch(/^\/login\?error=locked&minutes=1[45]&next=%2Fapp%2Fwebhook$/);
    await page.goto(location);
    await expect(page.locator(".alert-error")).toHaveText(LOCKED);
  });

  test("60 wrong passwords at once: at most 10 are checked, the rest refused unchecked", async ({ request }) => {
    const u = newUser();
    const answers = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const res = await passwordLogin(request, u.email, `parallel-${i}`);
        return `${res.status()} ${(await errorOf(res)).message}`;
      }),
    );
    const checked = answers.filter((a) => a === `401 ${INVALID_LOGIN}`).length;
    const refused = answers.filter((a) => /^429 Too many failed login attempts\./.test(a)).length;
    expect(checked).toBeGreaterThan(0);
    expect(checked).toBeLessThanOrEqual(10);
    expect(refused).toBe(60 - checked);
    expect((await passwordLogin(request, u.email, u.password)).status()).toBe(429);
  });

  test("the lock is per client address; 100 failures from all addresses together lock the account", async () => {
    // The server takes the client address from the socket: connect from other loopback addresses.
    const u = newUser();
    const from = async (localAddress: string, password: string) =>
      (
        await rawRequest({
          path: "/api/login",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ username: u.email, password }),
          localAddress,
        })
      ).status;
    for (let i = 0; i < 10; i++) expect(await from("127.0.0.2", `wrong-${i}`)).toBe(401);
    expect(await from("127.0.0.2", u.password)).toBe(429);
    // Another address still signs in: a guesser does not lock the user out everywhere.
    expect(await from("127.0.0.3", u.password)).toBe(200);
    // Nine more addresses, ten failures each: 100 for the account in the window.
    const spread = await Promise.all(
      Array.from({ length: 9 }, async (_, a) => {
        const statuses: number[] = [];
        for (let i = 0; i < 10; i++) statuses.push(await from(`127.0.0.${a + 4}`, `wrong-${i}`));
        return statuses;
      }),
    );
    expect(spread.flat()).toEqual(Array<number>(90).fill(401));
    // Now even a fresh address with the right password is refused.
    expect(await from("127.0.0.13", u.password)).toBe(429);
  });

  test("unknown names take as long as real users with a wrong password (within 20 %)", async ({ request }) => {
    // Three real users, six wrong passwords each (under the limit of 10), interleaved with fresh made-up names.
    const users = [newUser(), newUser(), newUser()];
    const time = async (name: string) => {
      const t0 = performance.now();
      const res = await passwordLogin(request, name, "not-the-password");
      const ms = performance.now() - t0;
      expect(res.status()).toBe(401);
      expect(await errorOf(res)).toEqual({ code: "UNAUTHORIZED", message: INVALID_LOGIN });
      return ms;
    };
    await time(`${unique("warm-up")}@example.com`); // the dummy hash is made on first use
    const known: number[] = [];
    const unknown: number[] = [];
    for (let round = 0; round < 6; round++) {
      for (const u of users) {
        known.push(await time(u.email));
        unknown.push(await time(`${unique("nobody")}@example.com`));
      }
    }
    const median = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return ((s[(s.length - 1) >> 1] ?? 0) + (s[s.length >> 1] ?? 0)) / 2;
    };
    const [k, n] = [median(known), median(unknown)];
    const summary = `median of ${known.length}: known ${k.toFixed(1)} ms, unknown ${n.toFixed(1)} ms`;
    test.info().annotations.push({ type: "timing", description: summary });
    console.log(`sign-in timing, ${summary}`);
    expect(Math.max(k, n) / Math.min(k, n)).toBeLessThanOrEqual(1.2);
  });

  test("next-auth's Credentials callback signs in through the same throttle", async ({ playwright }) => {
    const ctx = await playwright.request.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
    const callback = async (username: string, password: string, callbackUrl?: string) => {
      const { csrfToken } = (await (await ctx.get("/api/auth/csrf")).json()) as { csrfToken: string };
      const res = await ctx.post("/api/auth/callback/credentials", {
        form: { csrfToken, username, password, json: "true", ...(callbackUrl ? { callbackUrl } : {}) },
        maxRedirects: 0,
      });
      return { status: res.status(), url: decodeURIComponent(((await res.json()) as { url: string }).url) };
    };
    try {
      const u = newUser();
      // Five failures through next-auth and five through /api/login: one bucket.
      for (let i = 0; i < 5; i++) {
        const r = await callback(u.email, `wrong-${i}`);
        expect(r.status).toBe(401);
        expect(r.url).toContain(`error=${INVALID_LOGIN}`);
        expect((await passwordLogin(ctx, u.email, `wrong-${i}`)).status()).toBe(401);
      }
      const locked = await callback(u.email, u.password);
      expect(locked.status).toBe(401);
      expect(new URL(locked.url).searchParams.get("error")).toMatch(LOCKED);
      expect((await passwordLogin(ctx, u.email, u.password)).status()).toBe(429);
      expect((await ctx.get("/api/resource/Webhook")).status()).toBe(401);

      // Another user signs in there: a session the guard accepts, and an off-site callbackUrl is ignored.
      const w = newUser();
      const ok = await callback(w.email, w.password, "https://evil.example/phished");
      expect(ok.status).toBe(200);
      expect(new URL(ok.url).origin).toBe(DESK);
      expect((await ctx.get("/api/resource/Webhook")).status()).toBe(200);
    } finally {
      await ctx.dispose();
    }
  });
});

const OFFSITE_NEXT = ["/.//127.0.0.1:4102/phished", "//evil.example", "/\\evil.example", "https://evil.example", "/%2e//evil.example"];

test.describe("after signing in, `next` never leaves the desk", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("through the login form in Chromium", async ({ page }) => {
    const u = newUser();
    const offsite: string[] = [];
    page.on("request", (r) => {
      if (new URL(r.url()).origin !== DESK) offsite.push(r.url());
    });
    // Each as typed into the address bar and percent-encoded once more.
    for (const next of OFFSITE_NEXT.flatMap((n) => [n, encodeURIComponent(n)])) {
      await page.context().clearCookies();
      await page.goto(`/login?next=${next}`);
      await page.getByLabel("Email or Username").fill(u.email);
      await page.getByLabel("Password").fill(u.password);
      await page.getByRole("button", { name: "Login" }).click();
      await page.waitForURL((url) => url.pathname !== "/login");
      expect(new URL(page.url()).origin, next).toBe(DESK);
      expect(await sessionCookie(page.context()), "signed in").toBeTruthy();
    }
    expect(offsite).toEqual([]);
  });

  test("POST /api/login answers a path on the desk, whatever `next` it is sent", async ({ request }) => {
    const u = newUser();
    const more = [
      "/\\/evil.example",
      "/%5C%5Cevil.example",
      "\\\\evil.example",
      "/app/../..//evil.example",
      "/app/%2e%2e/%2f%2fevil.example",
      "javascript:alert(1)",
      "http:evil.example",
    ];
    for (const next of [...OFFSITE_NEXT, ...more]) {
      const res = await request.post("/api/login", { form: { username: u.email, password: u.password, next }, maxRedirects: 0 });
      expect(res.status(), next).toBe(303);
      const location = res.headers().location ?? "";
      expect(location, next).toMatch(/^\/(?![/\\])/);
      expect(new URL(location, DESK).origin, next).toBe(DESK);
    }
  });
});

test.describe("the login form", () => {
  for (const javaScriptEnabled of [false, true]) {
    test(`signs in ${javaScriptEnabled ? "with" : "without"} JavaScript, and no URL ever holds the password`, async ({ browser }) => {
      // A password that URL-encoding would change, so each spelling of it is looked for.
      const u = newUser(["System Manager"], `p&ss word=${Math.random().toString(36).slice(2, 8)}/?#%`);
      const context = await browser.newContext({ baseURL, javaScriptEnabled, storageState: { cookies: [], origins: [] } });
      const page = await context.newPage();
      const requests: { method: string; url: string }[] = [];
      page.on("request", (r) => requests.push({ method: r.method(), url: r.url() }));
      await page.goto("/app");
      await expect(page).toHaveURL(/\/login\?next=%2Fapp$/);
      await page.getByLabel("Email or Username").fill(u.email);
      await page.getByLabel("Password").fill(u.password);
      await page.getByRole("button", { name: "Login" }).click();
      await expect(page).toHaveURL(`${DESK}/app`);
      await expect(page.getByTestId("current-user")).toHaveText(u.email);
      expect(requests.filter((r) => r.url.startsWith(`${DESK}/api/login`)).map((r) => r.method)).toEqual(["POST"]);
      const spellings = [u.password, encodeURIComponent(u.password), new URLSearchParams({ p: u.password }).toString().slice(2)];
      for (const r of requests) for (const p of spellings) expect(r.url, "a URL with the password in it").not.toContain(p);
      await context.close();
    });
  }
});
