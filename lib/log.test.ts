// The logger as a process writes it: JSON lines on stdout, levels by name, secrets redacted.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.join(__dirname, "..");
const SCRIPT = `
import { logger } from "@/lib/log";
const log = logger("dispatcher");
log.debug({ delivery: "msg_0" }, "not written at info");
log.info({ delivery: "msg_1", webhook: "hook", attempt: 1, status: "Delivered", http_status: 200, duration_ms: 12 }, "delivery attempt");
log.warn({ headers: { Authorization: "Bearer s3cret" }, secret: "whsec_abc", request: { token: "t0k" } }, "with secrets");
log.error({ err: new Error("connect failed: postgres://desk:hunter2@db.internal:5432/desk") }, "boom");
const pgLike = Object.assign(new Error("terminating connection"), { code: "57P01", client: { connectionParameters: { password: "pgpass99" } } });
log.error({ err: pgLike }, "pg");
`;

function run(env: Record<string, string>) {
  const r = spawnSync(path.join(root, "node_modules", ".bin", "tsx"), ["--conditions=react-server", "-e", SCRIPT], {
    cwd: root,
    env: { ...process.env, NODE_ENV: "production", ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe("lib/log", () => {
  it("writes one JSON object per line, at LOG_LEVEL and above, naming the component", () => {
    const lines = run({ LOG_LEVEL: "info" })
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.level, l.component, l.msg])).toEqual([
      ["info", "dispatcher", "delivery attempt"],
      ["warn", "dispatcher", "with secrets"],
      ["error", "dispatcher", "boom"],
      ["error", "dispatcher", "pg"],
    ]);
    expect(lines[3].err).toEqual({ type: "Error", message: "terminating connection", stack: expect.any(String), code: "57P01" });
    expect(lines[0]).toMatchObject({
      delivery: "msg_1",
      webhook: "hook",
      attempt: 1,
      status: "Delivered",
      http_status: 200,
      duration_ms: 12,
    });
    expect(typeof lines[0].time).toBe("string");
    expect(run({ LOG_LEVEL: "error" }).trim().split("\n")).toHaveLength(2);
  });

  it("never writes a secret", () => {
    const out = run({ LOG_LEVEL: "info" });
    for (const secret of ["s3cret", "whsec_abc", "t0k", "hunter2", "pgpass99"]) expect(out).not.toContain(secret);
    expect(out).toContain("postgres://***:***@db.internal:5432/desk");
    expect(out).toContain("[redacted]");
  });
});
