#!/usr/bin/env node
// Bundles the worker_threads entry points into .workers/<name>.mjs, so a Worker can load
// them the same way under vitest, `npm run dev`, the production server (whose route
// handlers Next bundles) and tsx scripts. lib/worker-bundle.ts runs this when a bundle is
// missing or older than the sources; `npm run build` and scripts/start.mjs run it too.
//
//   node scripts/build-workers.mjs            builds every entry
//   node scripts/build-workers.mjs render     builds the named ones
import fs from "node:fs";
import path from "node:path";
import { build } from "esbuild";

/** Worker name → entry module. Adding a worker is one line here. */
const WORKER_ENTRIES = {
  render: "lib/renderer/pool-worker.ts",
  dispatcher: "lib/dispatcher/thread.ts",
};

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const outDir = path.join(root, ".workers");

/** `server-only` guards Next's client bundles; in a worker it is an empty module. */
const serverOnlyIsEmpty = {
  name: "server-only-is-empty",
  setup(b) {
    b.onResolve({ filter: /^server-only$/ }, () => ({ path: "server-only", namespace: "empty" }));
    b.onLoad({ filter: /.*/, namespace: "empty" }, () => ({ contents: "", loader: "js" }));
  },
};

async function bundle(name, entry) {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [path.join(root, entry)],
    bundle: true,
    write: false,
    platform: "node",
    format: "esm",
    target: "node20",
    // `server-only` resolves to its empty export, as in Next's server bundles and tsx.
    conditions: ["react-server"],
    plugins: [serverOnlyIsEmpty],
    // tsconfig.json's paths (`@/…`) are read from here.
    tsconfig: path.join(root, "tsconfig.json"),
    // Packages load from node_modules at run time (next to .workers/), as they do for the
    // server: native addons, CommonJS packages whose requires a bundle cannot follow
    // (nunjucks, jose under next-auth), one copy of each on disk. Only our sources are bundled.
    packages: "external",
    logLevel: "warning",
    legalComments: "none",
  });
  const [file] = result.outputFiles;
  if (!file) throw new Error(`esbuild produced no output for ${entry}`);
  // Parallel test forks may build at once: write aside, then rename over the old bundle.
  const target = path.join(outDir, `${name}.mjs`);
  const temp = `${target}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(temp, file.contents);
  fs.renameSync(temp, target);
  return target;
}

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!Object.hasOwn(WORKER_ENTRIES, name)) {
    console.error(`Unknown worker "${name}" (known: ${Object.keys(WORKER_ENTRIES).join(", ")})`);
    process.exit(1);
  }
}
fs.mkdirSync(outDir, { recursive: true });
const names = wanted.length > 0 ? wanted : Object.keys(WORKER_ENTRIES);
await Promise.all(names.map((name) => bundle(name, WORKER_ENTRIES[name])));
