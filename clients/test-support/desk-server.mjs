// A real Webhook Desk for the clients' tests: the production build (`npm run build`) served by
// scripts/server.mjs on a fresh SQLite database in a temporary folder, with an API key of the
// Administrator. It can be SIGKILLed and started again on the same database.
//
// From Node:   const desk = await startDesk(); … await desk.kill(); await desk.start(); … await desk.stop();
// From a shell (or Python's subprocess): `node clients/test-support/desk-server.mjs` prints one
// JSON line {url, apiKey, apiSecret, pid} once the desk answers, and stops it on SIGTERM/SIGINT
// or when its stdin closes.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

/** A free TCP port on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(url, child, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`the desk exited (${child.exitCode}) before it answered`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`the desk did not answer ${url}/healthz within ${timeoutMs} ms`);
}

/**
 * Starts a desk. `env` is added to the server's environment (e.g. a short retry schedule).
 * Needs a production build (`.next/BUILD_ID`): run `npm run build` first.
 */
export async function startDesk({ env: extra = {}, log = false } = {}) {
  if (!fs.existsSync(path.join(ROOT, ".next", "BUILD_ID"))) throw new Error("No production build: run `npm run build` first");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wd-client-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const base = {
    ...process.env,
    DATABASE_URL: `file:${path.join(dir, "desk.db")}`,
    DATA_DIR: dir,
    ADMIN_PASSWORD: "client-test-pass",
    LOG_LEVEL: process.env.LOG_LEVEL || "warn",
  };
  delete base.NODE_OPTIONS;
  const run = (args) => execFileSync(TSX, ["--conditions=react-server", ...args], { cwd: ROOT, env: base, encoding: "utf8" });
  run(["scripts/bootstrap.ts"]);
  const [apiKey, apiSecret] = run(["scripts/cli.ts", "api-key", "--user", "Administrator"]).trim().split("\n").pop().split(":");
  const env = {
    ...base,
    PORT: String(port),
    HOST: "127.0.0.1",
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    NEXTAUTH_URL: url,
    NEXTAUTH_SECRET: fs.readFileSync(path.join(dir, "nextauth.secret"), "utf8").trim(),
    WEBHOOK_ALLOW_PRIVATE_NETWORK: "1",
    WEBHOOK_RETRY_SCHEDULE: "1,1,2",
    WEBHOOK_RETRY_JITTER: "0",
    ...extra,
  };
  let child;
  const desk = {
    url,
    apiKey,
    apiSecret,
    dir,
    get pid() {
      return child?.pid;
    },
    /** Starts the server (again) on the same database and waits until it answers. */
    async start() {
      child = spawn(process.execPath, [path.join(ROOT, "scripts", "server.mjs")], {
        cwd: ROOT,
        env,
        stdio: ["ignore", log ? "inherit" : "ignore", log ? "inherit" : "ignore"],
      });
      await waitUntilUp(url, child);
    },
    /** SIGKILL: no drain, no clean shutdown. */
    async kill() {
      await stopChild(child, "SIGKILL");
    },
    /** Stops the server and removes its data. */
    async stop() {
      await stopChild(child, "SIGTERM");
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  await desk.start();
  return desk;
}

function stopChild(child, signal) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill(signal);
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const desk = await startDesk({ log: process.env.DESK_LOG === "1" });
  process.stdout.write(JSON.stringify({ url: desk.url, apiKey: desk.apiKey, apiSecret: desk.apiSecret, pid: desk.pid }) + "\n");
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await desk.stop();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.stdin.on("end", stop);
  process.stdin.resume();
}
