// The file a worker_threads Worker is started from: .workers/<name>.mjs, bundled from the
// TypeScript entry by scripts/build-workers.mjs (see the map of entries there). A missing
// bundle, or one older than any source under lib/ or db/, is rebuilt here in a child
// process, so vitest, `npm run dev` and tsx scripts always run current code; a production
// server whose build is current finds nothing newer and starts at once. esbuild is never
// imported here: this module is bundled into Next's route handlers.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const SOURCE_DIRS = ["lib", "db"];
const BUILD_SCRIPT = path.join("scripts", "build-workers.mjs");

/** Bundles already checked by this process (production only: sources do not change there). */
const checked = new Set<string>();

/** Newest modification time of what a worker bundle is built from. */
function newestWorkerSource(root: string): number {
  let newest = fs.statSync(path.join(root, BUILD_SCRIPT), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  // turbopackIgnore: these reads are no reason for Next's output tracing to copy the project.
  for (const dir of SOURCE_DIRS) {
    const base = path.join(/* turbopackIgnore: true */ root, dir);
    if (!fs.existsSync(/* turbopackIgnore: true */ base)) continue;
    for (const rel of fs.readdirSync(/* turbopackIgnore: true */ base, { recursive: true, encoding: "utf8" })) {
      const st = fs.statSync(/* turbopackIgnore: true */ path.join(/* turbopackIgnore: true */ base, rel), { throwIfNoEntry: false });
      if (st?.isFile()) newest = Math.max(newest, st.mtimeMs);
    }
  }
  return newest;
}

function rebuild(root: string, name: string): void {
  const script = path.join(root, BUILD_SCRIPT);
  const r = spawnSync(process.execPath, [script, name], { cwd: root, encoding: "utf8", timeout: 120_000 });
  if (r.status !== 0) {
    const output = `${r.stderr ?? ""}${r.stdout ?? ""}`.trim() || (r.error?.message ?? `exit status ${r.status}`);
    throw new Error(`Could not build the "${name}" worker (${BUILD_SCRIPT}): ${output}`);
  }
}

/** Absolute path of the worker bundle `name`, (re)built first when missing or stale. */
export function workerBundle(name: string): string {
  const root = process.cwd();
  const file = path.join(root, ".workers", `${name}.mjs`);
  if (checked.has(file)) return file;
  const built = fs.statSync(file, { throwIfNoEntry: false });
  if (!built || built.mtimeMs < newestWorkerSource(root)) rebuild(root, name);
  if (process.env.NODE_ENV === "production") checked.add(file);
  return file;
}
