#!/usr/bin/env node
// `npm run db:check`: fails when a schema change has no migration in either dialect, i.e.
// when `npm run db:generate` was forgotten after editing db/schema/sqlite or db/schema/pg.
// For each drizzle config: `drizzle-kit check` (the migration folder is consistent), then
// `drizzle-kit generate` into a copy of its migration folder; any new .sql file there is a
// migration someone still has to generate and commit. The real folders are never written.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const drizzleKit = path.join(root, "node_modules", ".bin", "drizzle-kit");

/** Each dialect's config, and the migration folder (`out`) it names. */
const CONFIGS = [
  { dialect: "SQLite", config: "drizzle.config.ts", out: "db/migrations" },
  { dialect: "PostgreSQL", config: "drizzle.pg.config.ts", out: "db/migrations-pg" },
];

/** A generate that waits on a question (a rename?) is not answered: give up after this. */
const TIMEOUT_MS = 120_000;

function drizzle(args) {
  const r = spawnSync(drizzleKit, args, {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: TIMEOUT_MS,
    // No DATABASE_URL: neither command connects, and a PostgreSQL one must not leak into the SQLite config.
    env: { ...process.env, DATABASE_URL: "", FORCE_COLOR: "0" },
  });
  return { ...r, output: `${r.stdout ?? ""}${r.stderr ?? ""}`.trim() };
}

const sqlFiles = (dir) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".sql")) : []);

function checkOne({ dialect, config, out }) {
  const problems = [];

  // drizzle-kit exits 0 on many of its failures (an unreadable snapshot, a collision…): only
  // its all-clear counts as passing, here and for generate below.
  const check = drizzle(["check", "--config", config]);
  if (check.status !== 0 || !/Everything's fine/.test(check.output)) {
    problems.push(`drizzle-kit check --config ${config} failed:\n${check.output}`);
  }

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "check-migrations-"));
  try {
    const tmpOut = path.join(tmp, "out");
    // Relative: drizzle-kit reads `./${out}/…`, which breaks an absolute path.
    const tmpOutArg = path.relative(root, tmpOut);
    fs.cpSync(path.join(root, out), tmpOut, { recursive: true });
    // The real config with only `out` replaced, so schema and dialect are read from one place.
    const tmpConfig = path.join(tmp, "drizzle.config.ts");
    fs.writeFileSync(
      tmpConfig,
      `import base from ${JSON.stringify(path.join(root, config))};\n` + `export default { ...base, out: ${JSON.stringify(tmpOutArg)} };\n`,
    );
    const before = new Set(sqlFiles(tmpOut));
    const gen = drizzle(["generate", "--config", tmpConfig, "--name", "pending"]);
    const added = sqlFiles(tmpOut).filter((f) => !before.has(f));
    if (gen.error?.code === "ETIMEDOUT" || gen.signal || /Interactive prompts require a TTY/.test(gen.output)) {
      problems.push(
        `drizzle-kit generate wants to ask whether a column or table was renamed: the schema has changes ` +
          `without a migration in ${out}. Run \`npm run db:generate\` in a terminal, answer its questions and commit the result.`,
      );
    } else if (added.length > 0) {
      const sql = added.map((f) => fs.readFileSync(path.join(tmpOut, f), "utf8").trim()).join("\n");
      problems.push(
        `the schema has changes without a migration in ${out}. Run \`npm run db:generate\` and commit the result. ` +
          `It would generate:\n${sql.replace(/^/gm, "    ")}`,
      );
    } else if (gen.status !== 0 || !/No schema changes/.test(gen.output)) {
      problems.push(`drizzle-kit generate failed:\n${gen.output}`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  for (const p of problems) console.error(`db:check: ${dialect} (${config}): ${p}\n`);
  if (problems.length === 0) console.log(`db:check: ${dialect} (${config}): migrations in ${out} are up to date.`);
  return problems.length === 0;
}

const results = CONFIGS.map(checkOne);
if (results.includes(false)) {
  const failed = CONFIGS.filter((_, i) => !results[i]).map((c) => c.dialect);
  console.error(`db:check failed for ${failed.join(" and ")}.`);
  process.exit(1);
}
