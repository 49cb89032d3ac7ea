import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ENV_NAMES, EnvError, parseEnv, type EnvName } from "./env";

const root = path.join(__dirname, "..");

describe("the environment schema", () => {
  it("takes the defaults for unset and blank variables", () => {
    const e = parseEnv({ PORT: "", WEBHOOK_QUEUE_CONCURRENCY: "  " });
    expect(e.PORT).toBe(3000);
    expect(e.WEBHOOK_QUEUE_CONCURRENCY).toEqual({ short: 16, default: 48, long: 8 });
    expect(e.WEBHOOK_WORKER).toBe(true);
    expect(e.WEBHOOK_MAX_INFLIGHT_PER_WEBHOOK).toBeUndefined();
    expect(e.LOG_LEVEL).toBe("info");
  });

  it("parses the values it allows", () => {
    const e = parseEnv({
      PORT: "8080",
      WEBHOOK_QUEUE_CONCURRENCY: "short=2, long=3",
      WEBHOOK_RETRY_SCHEDULE: "0.1, 2",
      WEBHOOK_WORKER: "0",
      TRUST_PROXY: "true",
      WEBHOOK_ALLOW_PRIVATE_NETWORK: "1",
      LOG_LEVEL: "DEBUG",
      DATABASE_URL: "postgres://u:p@db.internal:5432/desk",
    });
    expect(e).toMatchObject({
      PORT: 8080,
      WEBHOOK_QUEUE_CONCURRENCY: { short: 2, default: 48, long: 3 },
      WEBHOOK_RETRY_SCHEDULE: [100, 2000],
      WEBHOOK_WORKER: false,
      TRUST_PROXY: 1,
      WEBHOOK_ALLOW_PRIVATE_NETWORK: true,
      LOG_LEVEL: "debug",
    });
    expect(parseEnv({ DATABASE_URL: "./data/other.db" }).DATABASE_URL).toBe("./data/other.db");
  });

  it("refuses a bad value by the variable's name and says what is allowed", () => {
    const cases: [EnvName, string, RegExp][] = [
      ["WEBHOOK_QUEUE_CONCURRENCY", "abc", /WEBHOOK_QUEUE_CONCURRENCY: must be queue=count pairs.*\(got "abc"\)/],
      ["WEBHOOK_QUEUE_CONCURRENCY", "default=0", /WEBHOOK_QUEUE_CONCURRENCY/],
      ["PORT", "-1", /PORT: must be a whole number from 1 to 65535 \(got "-1"\)/],
      ["PORT", "70000", /PORT: must be a whole number from 1 to 65535/],
      ["WEBHOOK_WORKER", "maybe", /WEBHOOK_WORKER: must be 1\/true\/on\/yes or 0\/false\/off\/no/],
      ["WEBHOOK_RETRY_SCHEDULE", "5,soon", /WEBHOOK_RETRY_SCHEDULE: must be seconds between attempts/],
      ["LOG_LEVEL", "loud", /LOG_LEVEL: must be fatal, error, warn, info, debug, trace, silent/],
      ["NEXTAUTH_URL", "desk.example", /NEXTAUTH_URL: must be an http:\/\/ or https:\/\/ URL/],
      ["DATABASE_URL", "mysql://u:p@h/db", /DATABASE_URL: must be file:<path> \(SQLite\) or postgres:\/\//],
      ["TRUST_PROXY", "-1", /TRUST_PROXY/],
      ["WORKER_HEALTH_PORT", "9100.5", /WORKER_HEALTH_PORT: must be a whole number from 1 to 65535/],
    ];
    for (const [name, value, message] of cases) {
      expect(() => parseEnv({ [name]: value }), `${name}=${value}`).toThrow(message);
    }
    // Every bad variable is named at once, not just the first.
    const e = (() => {
      try {
        parseEnv({ PORT: "x", WEBHOOK_POLL_MS: "1" });
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(EnvError);
    expect((e as EnvError).problems.map((p) => p.name)).toEqual(["PORT", "WEBHOOK_POLL_MS"]);
  });

  it("never repeats a secret's value in its message", () => {
    expect(() => parseEnv({ DATABASE_URL: "mysql://admin:hunter2@h/db" })).toThrow(/DATABASE_URL/);
    expect(() => parseEnv({ DATABASE_URL: "mysql://admin:hunter2@h/db" })).not.toThrow(/hunter2/);
  });
});

/** The Configuration table of README.md: each row's variable names and their backticked defaults. */
function readmeConfigRows(): { names: string[]; defaults: string[] }[] {
  const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
  const section = readme.split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? "";
  return section
    .split("\n")
    .filter((l) => l.startsWith("| `"))
    .map((l) => {
      const [names = "", defaults = ""] = l.split("|").slice(1);
      const ticks = (cell: string) => [...cell.matchAll(/`([^`]*)`/g)].map((m) => m[1] ?? "");
      // Only a cell of literals alone (`250`, `15000`) states defaults; words around them explain one.
      const literal = defaults.replace(/`[^`]*`/g, "").replace(/[,\s]/g, "") === "";
      return { names: ticks(names), defaults: literal ? ticks(defaults) : [] };
    });
}

describe("README's Configuration table", () => {
  const rows = readmeConfigRows();

  it("lists every variable of the schema, and no other", () => {
    const documented = rows.flatMap((r) => r.names).sort();
    expect(documented).toEqual([...ENV_NAMES].sort());
  });

  it("gives the schema's defaults", () => {
    const defaults = parseEnv({});
    let compared = 0;
    for (const row of rows) {
      if (row.defaults.length !== row.names.length) continue; // a default said in words
      row.names.forEach((name, i) => {
        const stated = parseEnv({ [name]: row.defaults[i] })[name as EnvName];
        expect(stated, `${name}: README says \`${row.defaults[i]}\``).toEqual(defaults[name as EnvName]);
        compared++;
      });
    }
    expect(compared).toBeGreaterThan(20);
  });
});

describe("start-up with a bad value", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "webhook-desk-env-"));
  const tsx = path.join(root, "node_modules", ".bin", "tsx");
  const start = (args: string[], extra: Record<string, string>) =>
    spawnSync(args[0] === "node" ? process.execPath : tsx, args.slice(1), {
      cwd: root,
      env: { ...process.env, DATABASE_URL: `file:${path.join(dir, "desk.db")}`, DATA_DIR: dir, ...extra },
      encoding: "utf8",
      timeout: 60_000,
    });

  it("stops `npm start` (scripts/start.mjs) before it touches anything, naming the variable", () => {
    const r = start(["node", "scripts/start.mjs"], { WEBHOOK_QUEUE_CONCURRENCY: "abc", PORT: "-1" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/WEBHOOK_QUEUE_CONCURRENCY: must be queue=count pairs/);
    expect(r.stderr).toMatch(/PORT: must be a whole number from 1 to 65535 \(got "-1"\)/);
    expect(fs.existsSync(path.join(dir, "desk.db"))).toBe(false);
  });

  it("stops `npm run worker` too", () => {
    const r = start(["tsx", "--conditions=react-server", "scripts/worker.ts"], { WEBHOOK_RETRY_JITTER: "sometimes" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/WEBHOOK_RETRY_JITTER: must be 1\/true\/on\/yes or 0\/false\/off\/no \(got "sometimes"\)/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
