import { execFileSync } from "node:child_process";
import path from "node:path";
import type { Page } from "@playwright/test";

export const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD || "admin-e2e-pass";
/** The e2e server's database (see scripts/e2e-server.sh). */
export const E2E_DATABASE_URL = `file:${path.resolve(".e2e-data/desk.db")}`;

export const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export async function login(page: Page, username: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("Email or Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Login" }).click();
}

/** `npm run cli -- …` against the e2e server's database; returns stdout's last line. */
export function cli(...args: string[]): string {
  const out = execFileSync("node_modules/.bin/tsx", ["--conditions=react-server", "scripts/cli.ts", ...args], {
    env: { ...process.env, DATABASE_URL: E2E_DATABASE_URL },
    encoding: "utf8",
  });
  return out.trim().split("\n").pop() ?? "";
}

/** Creates a user with an API key through the CLI; returns `token key:secret` for Authorization. */
export function apiUser(roles: string[] = ["System Manager"]): { email: string; password: string; token: string } {
  const email = `${unique("user")}@example.com`;
  const password = "pass-" + Math.random().toString(36).slice(2, 12);
  cli("create-user", email, "--password", password, ...roles.flatMap((r) => ["--role", r]));
  return { email, password, token: `token ${cli("api-key", "--user", email)}` };
}
