#!/usr/bin/env node
// `npm start`: migrate + seed the database DATABASE_URL names (the embedded SQLite file by
// default, or PostgreSQL) and check its encryption key (scripts/bootstrap.ts), build once if
// there is no build, then serve the desk (and, unless WEBHOOK_WORKER=0, the dispatcher) on PORT.
import { spawnSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { dataDir } from "../lib/data-dir.mjs";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
process.chdir(root);
const dev = process.argv.includes("--dev");
const forceBuild = process.argv.includes("--build");
const port = process.env.PORT || "3000";
const bin = (name) => path.join(root, "node_modules", ".bin", name);

function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { stdio: "inherit", env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** A secret bootstrap.ts generated, from the data folder lib/config.ts keeps it in. */
const readSecret = (file) => fs.readFileSync(path.join(dataDir(), file), "utf8").trim();

run(bin("tsx"), ["--conditions=react-server", "scripts/bootstrap.ts"]);

const env = {
  ...process.env,
  NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET || readSecret("nextauth.secret"),
  NEXTAUTH_URL: process.env.NEXTAUTH_URL || `http://localhost:${port}`,
};

/** Newest modification time of the files and folders under `paths`. */
function newestOf(paths) {
  let newest = 0;
  const walk = (p) => {
    const st = fs.statSync(p, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of paths) walk(path.join(root, p));
  return newest;
}

/** Newest modification time of the sources a production build is made from. */
const newestSource = () =>
  newestOf(["app", "components", "lib", "db", "types", "proxy.ts", "instrumentation.ts", "next.config.mjs", "package.json"]);

const buildId = path.join(root, ".next", "BUILD_ID");
const stale = fs.existsSync(buildId) && fs.statSync(buildId).mtimeMs < newestSource();
if (!dev && (forceBuild || !fs.existsSync(buildId) || stale)) {
  console.log(
    stale
      ? "The sources changed since the last build: rebuilding…"
      : "No production build yet: building (takes a minute or two the first time)…",
  );
  run(bin("next"), ["build"], { ...env, NEXT_TELEMETRY_DISABLED: "1" });
}

// The worker_threads bundles (.workers/, see scripts/build-workers.mjs) are made from lib/
// and db/: rebuilt here when stale, so the server's first render does not wait for them
// (lib/worker-bundle.ts still builds one that is missing at its first use).
const workersDir = path.join(root, ".workers");
const bundles = fs.existsSync(workersDir) ? fs.readdirSync(workersDir).filter((f) => f.endsWith(".mjs")) : [];
const oldestBundle = Math.min(...bundles.map((f) => fs.statSync(path.join(workersDir, f)).mtimeMs));
if (bundles.length === 0 || oldestBundle < newestOf(["lib", "db", "scripts/build-workers.mjs"])) {
  run(process.execPath, [path.join(root, "scripts", "build-workers.mjs")]);
}

// scripts/server.mjs: Next behind a node:http front that knows the client's socket address.
const child = spawn(process.execPath, [path.join(root, "scripts", "server.mjs"), ...(dev ? ["--dev"] : [])], {
  stdio: "inherit",
  env: { ...env, PORT: port, NODE_ENV: dev ? "development" : "production", NEXT_TELEMETRY_DISABLED: "1" },
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
