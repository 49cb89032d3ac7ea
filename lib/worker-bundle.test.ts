import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { afterAll, describe, expect, it } from "vitest";
import { workerBundle } from "./worker-bundle";

const repo = process.cwd();

/** A project of its own: the real build script, node_modules linked, a tiny render entry. */
function scratchProject(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "worker-bundle-"));
  fs.mkdirSync(path.join(root, "scripts"));
  fs.copyFileSync(path.join(repo, "scripts", "build-workers.mjs"), path.join(root, "scripts", "build-workers.mjs"));
  fs.copyFileSync(path.join(repo, "tsconfig.json"), path.join(root, "tsconfig.json"));
  fs.symlinkSync(path.join(repo, "node_modules"), path.join(root, "node_modules"), "dir");
  fs.mkdirSync(path.join(root, "lib", "renderer"), { recursive: true });
  fs.mkdirSync(path.join(root, "db"));
  fs.writeFileSync(path.join(root, "lib", "answer.ts"), "export const answer: number = 41;\n");
  fs.writeFileSync(
    path.join(root, "lib", "renderer", "pool-worker.ts"),
    [
      'import "server-only";',
      'import { parentPort } from "node:worker_threads";',
      'import { answer } from "@/lib/answer";',
      "parentPort?.postMessage(answer + 1);",
      "",
    ].join("\n"),
  );
  return root;
}

function runBundle(file: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const w = new Worker(file);
    w.once("message", (m) => {
      resolve(m);
      void w.terminate();
    });
    w.once("error", reject);
  });
}

describe("workerBundle", () => {
  const root = scratchProject();
  afterAll(() => {
    process.chdir(repo);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("builds a missing bundle, keeps a fresh one and rebuilds one older than a source", async () => {
    process.chdir(root);
    const file = workerBundle("render");
    expect(file).toBe(path.join(root, ".workers", "render.mjs"));
    // `server-only` resolved to its empty export, `@/` through tsconfig paths.
    expect(await runBundle(file)).toBe(42);

    const built = fs.statSync(file).mtimeMs;
    expect(workerBundle("render")).toBe(file);
    expect(fs.statSync(file).mtimeMs).toBe(built);

    fs.writeFileSync(path.join(root, "lib", "answer.ts"), "export const answer: number = 99;\n");
    const later = new Date(built + 5000);
    fs.utimesSync(path.join(root, "lib", "answer.ts"), later, later);
    workerBundle("render");
    expect(fs.statSync(file).mtimeMs).toBeGreaterThan(built);
    expect(await runBundle(file)).toBe(100);
    // Written aside and renamed: no temporary file is left behind.
    expect(fs.readdirSync(path.join(root, ".workers"))).toEqual(["render.mjs"]);
  });

  it("reports a build that fails", () => {
    process.chdir(root);
    fs.writeFileSync(path.join(root, "lib", "renderer", "pool-worker.ts"), "export const = ;\n");
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(root, "lib", "renderer", "pool-worker.ts"), later, later);
    expect(() => workerBundle("render")).toThrow(/Could not build the "render" worker/);
  });
});
