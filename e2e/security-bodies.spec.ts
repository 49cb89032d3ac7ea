// Request bodies nobody authenticated: 10 MiB sent to the API, the sign-in routes and pages,
// twenty times over, leaves the server's resident memory within 50 MB of where it started —
// each is refused before it is read (or after at most 64 KiB), never buffered whole.
import fs from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { DESK_PORT, rawRequest } from "./helpers";

const MiB = 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, "a");
const CHUNKS = (10 * MiB) / CHUNK.length;

/** The e2e server process: node running this worktree's scripts/server.mjs with PORT=<e2e port>. */
function serverPid(): number {
  const script = path.resolve("scripts/server.mjs");
  const found: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (!argv.includes(script)) continue;
      const env = fs.readFileSync(`/proc/${entry}/environ`, "utf8").split("\0");
      if (env.includes(`PORT=${DESK_PORT}`)) found.push(Number(entry));
    } catch {
      // a process that ended, or one that is not ours
    }
  }
  expect(found, `one process runs ${script} on port ${DESK_PORT}`).toHaveLength(1);
  return found[0] ?? 0;
}

const rssMB = (pid: number) => Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? NaN) / 1024;

const TARGETS: Array<{ path: string; type: string; refused: number[] }> = [
  { path: "/api/resource/Webhook", type: "application/json", refused: [401] },
  { path: "/api/events", type: "application/json", refused: [401] },
  { path: "/api/auth/callback/credentials", type: "application/x-www-form-urlencoded", refused: [413] },
  { path: "/api/login", type: "application/json", refused: [413] },
  { path: "/login", type: "application/x-www-form-urlencoded", refused: [413, 411] },
  { path: "/app", type: "application/x-www-form-urlencoded", refused: [413, 411] },
];

/**
 * 10 MiB to one target, declared (Content-Length) or chunked, all of it unless the server
 * closes the connection; the status, or "closed" when it closed before its answer was read.
 */
async function send(target: (typeof TARGETS)[number], declared: boolean): Promise<number | "closed"> {
  const headers: Record<string, string | number> = { "Content-Type": target.type };
  if (declared) headers["Content-Length"] = CHUNK.length * CHUNKS;
  try {
    return (await rawRequest({ path: target.path, headers, stream: { chunk: CHUNK, count: CHUNKS } })).status;
  } catch (e) {
    // The server may close the connection before the client has read its answer.
    if (/ECONNRESET|EPIPE|socket hang up/.test(String(e))) return "closed";
    throw e;
  }
}

test("unauthenticated 10 MiB bodies, 20 to each target, leave the server's memory where it was", async () => {
  test.setTimeout(240_000);
  const pid = serverPid();
  // One body to each target; declared (Content-Length) and chunked in turn.
  const round = async (declared: boolean) => {
    const outcomes: string[] = [];
    for (const t of TARGETS) {
      const r = await send(t, declared);
      outcomes.push(`${t.path} ${r}`);
      if (r !== "closed") expect(t.refused, `${t.path} (${declared ? "Content-Length" : "chunked"}) answered ${r}`).toContain(r);
    }
    return outcomes;
  };
  await round(true); // every route loaded once: their code is part of the baseline
  await round(false);
  const baseline = rssMB(pid);
  const samples: number[] = [];
  let closed = 0;
  for (let i = 0; i < 20; i++) {
    closed += (await round(i % 2 === 0)).filter((o) => o.endsWith("closed")).length;
    samples.push(rssMB(pid));
  }
  const peak = Math.max(...samples);
  const summary = `server RSS ${baseline.toFixed(1)} MB before, peak ${peak.toFixed(1)} MB, last ${samples.at(-1)?.toFixed(1)} MB (${closed} of ${20 * TARGETS.length} connections closed before the answer was read)`;
  test.info().annotations.push({ type: "memory", description: summary });
  console.log(summary);
  expect(peak - baseline).toBeLessThanOrEqual(50);
  // The server still answers.
  expect((await rawRequest({ method: "GET", path: "/login" })).status).toBe(200);
});
