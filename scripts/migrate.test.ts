// `npm run db:migrate` end to end: the script on a temp database named by DATABASE_URL.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = path.join(__dirname, "..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "webhook-desk-db-migrate-"));
const file = path.join(dir, "nested", "desk.db");
const run = () =>
  execFileSync(path.join(root, "node_modules", ".bin", "tsx"), ["--conditions=react-server", "scripts/migrate.ts"], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: `file:${file}` },
    encoding: "utf8",
  });

describe("scripts/migrate.ts", () => {
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("migrates the database DATABASE_URL names and says what it did", () => {
    const first = run();
    expect(first.startsWith(`${file}: applied `)).toBe(true);
    expect(first).toContain(" migrations:\n  0000_init\n");
    expect(first).toContain("  0003_security\n");
    expect(fs.existsSync(file)).toBe(true);
    expect(run()).toMatch(/: up to date \(\d+ migrations applied before, none pending\)\.\n$/);
  });
});
