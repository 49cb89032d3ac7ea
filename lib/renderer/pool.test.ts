import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { evaluateCondition } from "./condition";
import { ConditionError, ConditionSyntaxError, RenderError } from "./errors";
import type { ConditionTask, RenderOutcome, RenderTask, RequestTask } from "./pool";
import { RenderLimitError, RenderPool, RenderPoolBusyError, buildRequestOff, evaluateConditionOff, renderLimits, renderPool } from "./pool";
import { describeError, withoutSecrets } from "./pool-protocol";
import { buildRequest } from "./request";
import type { Doc, RenderContext, WebhookSpec } from "./types";

const doc: Doc = {
  doctype: "Note",
  name: "Note-0001",
  title: "Quarterly",
  status: "Open",
  total: 40000,
  items: [
    { item_code: "A", qty: 1 },
    { item_code: "B", qty: 2 },
    { item_code: "C", qty: 3 },
  ],
  meta: { owner: "admin@example.com" },
};

const ctx: RenderContext = {
  doctype: "Note",
  event: "on_update",
  user: "admin@example.com",
  eventId: "evt-1",
  eventTime: "2024-05-01T10:00:00.000Z",
};

/** A webhook whose URL and JSON body are templates (so it renders in a worker). */
function spec(overrides: Partial<WebhookSpec> = {}): WebhookSpec {
  return {
    name: "hook",
    webhookDoctype: "Note",
    webhookDocevent: "on_update",
    enabled: true,
    condition: "",
    timeout: 5,
    headers: [],
    data: [],
    requestUrl: "https://example.com/hook/{{ doc.name }}",
    isDynamicUrl: true,
    requestMethod: "POST",
    requestStructure: "JSON",
    enableSecurity: false,
    signatureScheme: "frappe",
    webhookJson: '{"name": "{{ doc.name }}"}',
    ...overrides,
  };
}

const condition = (src: string, d: Doc = doc): ConditionTask => ({ kind: "condition", condition: src, doc: d });
const request = (s: WebhookSpec, d: Doc = doc): RequestTask => ({ kind: "request", spec: s, doc: d, ctx });

/** What the renderer on this thread answers for a task (the pool never sees secrets). */
function inline(task: RenderTask): RenderOutcome {
  try {
    const value =
      task.kind === "condition" ? evaluateCondition(task.condition, task.doc) : buildRequest(withoutSecrets(task.spec), task.doc, task.ctx);
    return { ok: true, value };
  } catch (err) {
    return { ok: false, error: describeError(err), code: "error" };
  }
}

const TEMPLATE_BOMB = "{{ (range(10000)*100)|unique }}";
const CONDITION_BOMB = "[sum(y) for y in [[0]*100000]*100000]";
const MEMORY_BOMB = "len([[0]*100000 for y in [0]*100000]) > 0";

/** Sees every message posted to a worker (restored after each test). */
function watchPosts(see: (value: unknown) => void): void {
  const original = Worker.prototype.postMessage;
  vi.spyOn(Worker.prototype, "postMessage").mockImplementation(function (this: Worker, ...args: Parameters<Worker["postMessage"]>) {
    see(args[0]);
    original.apply(this, args);
  });
}

const pools: RenderPool[] = [];
/**
 * A pool for one test. Its budget is far above any stall of a loaded machine, except in
 * the tests about the budget, since a stalled worker is rightly timed out.
 */
function pool(options: ConstructorParameters<typeof RenderPool>[0] = {}): RenderPool {
  const p = new RenderPool({ threads: 2, timeoutMs: 2000, memoryMb: 64, ...options });
  pools.push(p);
  return p;
}

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(pools.splice(0).map((p) => p.close()));
});
afterAll(() => renderPool().close());

describe("renderLimits", () => {
  it("reads the environment, takes the defaults for missing values and refuses invalid ones by name", () => {
    expect(renderLimits({})).toEqual({ timeoutMs: 200, memoryMb: 64, threads: 2 });
    expect(renderLimits({ WEBHOOK_RENDER_TIMEOUT_MS: "", WEBHOOK_RENDER_THREADS: " " })).toEqual({
      timeoutMs: 200,
      memoryMb: 64,
      threads: 2,
    });
    expect(renderLimits({ WEBHOOK_RENDER_TIMEOUT_MS: "750", WEBHOOK_RENDER_MEMORY_MB: " 128 ", WEBHOOK_RENDER_THREADS: "4" })).toEqual({
      timeoutMs: 750,
      memoryMb: 128,
      threads: 4,
    });
    for (const bad of ["abc", "-5", "0", "1.5", "1e3", "10ms"]) {
      expect(() => renderLimits({ WEBHOOK_RENDER_TIMEOUT_MS: bad })).toThrow(
        /WEBHOOK_RENDER_TIMEOUT_MS: must be a whole number from 1 to 600000/,
      );
    }
    // Too little heap to load the renderer, or an absurd thread count.
    expect(() => renderLimits({ WEBHOOK_RENDER_MEMORY_MB: "4" })).toThrow(/WEBHOOK_RENDER_MEMORY_MB/);
    expect(() => renderLimits({ WEBHOOK_RENDER_THREADS: "1000" })).toThrow(/WEBHOOK_RENDER_THREADS/);
  });
});

describe("RenderPool results", () => {
  const conditions = [
    'doc.status == "Open"',
    'doc.status == "Closed"',
    "doc.total > 1000 and len(doc.items) == 3",
    "[i.qty for i in doc.items if i.qty > 1] == [2, 3]",
    'doc.meta.owner.endswith("@example.com")',
    "doc.missing.field is None",
    "sum([i.qty for i in doc.items])",
    "doc.items[7]",
    "doc.total / 0",
    "unknown_name",
    "doc.status + 1",
    "doc.status.upper(",
    "1 +",
    "   ",
  ];

  it("answers conditions exactly as evaluateCondition does, errors included", async () => {
    const tasks = conditions.map((c) => condition(c));
    const outcomes = await pool().run(tasks);
    expect(outcomes).toEqual(tasks.map(inline));
    // The list covers both answers and several kinds of error.
    expect(new Set(outcomes.map((o) => (o.ok ? String(o.value) : o.error.name)))).toEqual(
      new Set(["true", "false", "ConditionError", "ConditionSyntaxError"]),
    );
  });

  it("scales the condition step budget in a worker to its time budget", async () => {
    const costly = condition("[x for x in [0]*100000 if x == 0]");
    expect(inline(costly)).toEqual({
      ok: false,
      code: "error",
      error: { name: "ConditionError", message: "condition is too expensive to evaluate" },
    });
    // At the default 200 ms a worker allows what the inline default allows, 200,000 steps...
    expect(await pool({ timeoutMs: 200 }).run([costly])).toEqual([inline(costly)]);
    // ...and ten times as many at ten times the budget.
    expect(await pool({ timeoutMs: 2000 }).run([costly])).toEqual([{ ok: true, value: true }]);
  });

  const specs: WebhookSpec[] = [
    spec(),
    spec({
      webhookJson:
        '{"items": [{% for i in doc.items %}{"code": "{{ i.item_code }}", "qty": {{ i.qty }}}{% if not loop.last %}, {% endif %}{% endfor %}]}',
    }),
    spec({
      webhookJson: '{"title": {{ doc.title | tojson }}, "upper": "{{ doc.title | upper }}"}',
      headers: [{ key: "X-Tag", value: "t1" }],
    }),
    spec({ webhookJson: '{"name": "{{ doc.name }"}' }),
    spec({ webhookJson: '{"total": {{ doc.total }}\n{% if %}' }),
    spec({ webhookJson: '{"title": {{ doc.title }}}' }),
    spec({ webhookJson: '{"x": "{{ doc.title | nosuchfilter }}"}' }),
    spec({ requestUrl: "https://example.com/{{ doc.name ", webhookJson: "" }),
    spec({ headers: [{ key: "Bad Header", value: "x" }] }),
    spec({ webhookJson: "   " }),
    // Built without templates: computed on the calling thread.
    spec({
      isDynamicUrl: false,
      requestStructure: "Form URL-Encoded",
      data: [
        { fieldname: "name", key: "n" },
        { fieldname: "meta.owner", key: "owner" },
      ],
    }),
    spec({ isDynamicUrl: false, requestStructure: "Event Envelope", data: [] }),
    spec({ isDynamicUrl: false, requestStructure: "", data: [{ fieldname: "total", key: "t" }] }),
  ];

  it("builds requests exactly as buildRequest does, errors (part, line) included", async () => {
    const tasks = specs.map((s) => request(s));
    const outcomes = await pool().run(tasks);
    expect(outcomes).toEqual(tasks.map(inline));
    const failures = outcomes.flatMap((o) => (o.ok ? [] : [o.error]));
    expect(new Set(failures.map((e) => e.part))).toEqual(new Set(["url", "body", "headers"]));
    expect(failures.some((e) => e.line === 2)).toBe(true);
  });

  it("the wrappers throw the inline classes and messages", async () => {
    expect(await evaluateConditionOff('doc.status == "Open"', doc)).toBe(true);
    for (const src of ["unknown_name", "doc.status.upper("]) {
      let inlineError: unknown;
      try {
        evaluateCondition(src, doc);
      } catch (e) {
        inlineError = e;
      }
      const offError = await evaluateConditionOff(src, doc).catch((e: unknown) => e);
      expect(offError).toBeInstanceOf((inlineError as Error).constructor);
      expect(offError).toMatchObject({ name: (inlineError as Error).name, message: (inlineError as Error).message });
    }
    await expect(evaluateConditionOff("doc.status.upper(", doc)).rejects.toBeInstanceOf(ConditionSyntaxError);
    await expect(evaluateConditionOff("unknown_name", doc)).rejects.toBeInstanceOf(ConditionError);

    const broken = spec({ webhookJson: '{"total": {{ doc.total }}\n{% if %}' });
    const offError = await buildRequestOff(broken, doc, ctx).catch((e: unknown) => e);
    let inlineError: unknown;
    try {
      buildRequest(broken, doc, ctx);
    } catch (e) {
      inlineError = e;
    }
    expect(offError).toBeInstanceOf(RenderError);
    expect(inlineError).toBeInstanceOf(RenderError);
    const { message, part, line } = inlineError as RenderError;
    expect(offError).toMatchObject({ name: "RenderError", message, part, line });
    expect(line).toBe(2);
    expect(await buildRequestOff(spec(), doc, ctx)).toEqual(buildRequest(spec(), doc, ctx));
  });

  it("renderPool() is one pool per process, kept on globalThis", async () => {
    const first = renderPool();
    expect(renderPool()).toBe(first);
    expect((globalThis as Record<string, unknown>).__webhookDeskRenderPool).toBe(first);
    await first.close();
    const second = renderPool();
    expect(second).not.toBe(first);
    expect(await second.run([condition("1 == 1")])).toEqual([{ ok: true, value: true }]);
  });
});

describe("RenderPool and secrets", () => {
  it("never posts a secret to a worker, and renders the unsigned request", async () => {
    const posted: string[] = [];
    watchPosts((value) => posted.push(JSON.stringify(value)));
    const secret = spec({
      enableSecurity: true,
      webhookSecret: "whsec-current-SECRET",
      previousSecret: "whsec-previous-SECRET",
      apiKey: "api-key-SECRET",
      apiKeyHeader: "X-Api-Key",
    });
    const [outcome] = await pool().run([request(secret)]);
    expect(outcome).toEqual({ ok: true, value: buildRequest(withoutSecrets(secret), doc, ctx) });
    if (!outcome?.ok) throw new Error("expected a request");
    expect(Object.keys(outcome.value.headers).map((h) => h.toLowerCase())).not.toContain("x-api-key");
    expect(Object.keys(buildRequest(secret, doc, ctx).headers)).toContain("X-Api-Key");
    expect(posted.length).toBeGreaterThan(0);
    expect(posted.join("\n")).toContain("Note-0001");
    expect(posted.join("\n")).not.toContain("SECRET");
  });
});

describe("RenderPool limits", () => {
  it("stops a runaway template and condition within ~1 s while a cheap task and the event loop go on", async () => {
    const p = pool({ threads: 3, timeoutMs: 200 });
    expect(await p.run([condition("1 == 1"), condition("2 == 2"), condition("3 == 3")])).toHaveLength(3);
    let ticks = 0;
    let maxGap = 0;
    let last = performance.now();
    const interval = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      ticks++;
    }, 5);
    try {
      const t0 = performance.now();
      const timed = <T>(promise: Promise<T>) => promise.then((value) => ({ value, ms: performance.now() - t0 }));
      const template = timed(p.run([request(spec({ webhookJson: TEMPLATE_BOMB }))]));
      const cond = timed(p.run([condition(CONDITION_BOMB)]));
      const cheap = await timed(p.run([request(spec())]));
      const [t, c] = await Promise.all([template, cond]);

      expect(cheap.value).toEqual([{ ok: true, value: buildRequest(spec(), doc, ctx) }]);
      expect(t.value).toEqual([
        { ok: false, code: "timeout", error: { name: "RenderLimitError", message: "The template took longer than 200 ms" } },
      ]);
      expect(c.value).toEqual([
        { ok: false, code: "timeout", error: { name: "RenderLimitError", message: "The condition took longer than 200 ms" } },
      ]);
      for (const bomb of [t, c]) {
        expect(bomb.ms).toBeGreaterThanOrEqual(200);
        expect(bomb.ms).toBeLessThan(1000);
      }
      expect(cheap.ms).toBeLessThan(Math.min(t.ms, c.ms));
      // The event loop kept ticking all along (inline, these calls hold it for ~15 s).
      expect(maxGap).toBeLessThan(200);
      expect(ticks).toBeGreaterThan(10);
    } finally {
      clearInterval(interval);
    }
    // The pool is whole again.
    expect(await p.run([condition("1 == 1"), condition("doc.total > 1", doc)])).toEqual([
      { ok: true, value: true },
      { ok: true, value: true },
    ]);
  });

  it("keeps the rest of a batch when one task times out, on one worker and on several", async () => {
    for (const threads of [1, 2]) {
      const p = pool({ threads, timeoutMs: 500 });
      const tasks: RenderTask[] = [];
      for (let i = 0; i < 30; i++)
        tasks.push(
          i === 7
            ? condition(CONDITION_BOMB)
            : i % 2
              ? condition(`doc.total > ${i * 2000}`)
              : request(spec({ webhookJson: `{"i": ${i}, "n": "{{ doc.name }}"}` })),
        );
      const outcomes = await p.run(tasks);
      expect(outcomes[7]).toMatchObject({ ok: false, code: "timeout" });
      expect(outcomes.filter((_, i) => i !== 7)).toEqual(tasks.filter((_, i) => i !== 7).map(inline));
    }
  });

  it("hands the unstarted rest of a stuck worker's batch to an idle worker long before the timeout", async () => {
    const sent: { at: number; conditions: string[] }[] = [];
    watchPosts((value) => {
      const tasks = (value as { tasks: { condition?: string }[] }).tasks;
      sent.push({ at: performance.now(), conditions: tasks.map((t) => t.condition ?? "") });
    });
    const p = pool({ threads: 2, timeoutMs: 1000 });
    p.warm();
    const cheap = Array.from({ length: 9 }, (_, i) => condition(`${i} == ${i}`));
    const t0 = performance.now();
    const outcomes = await p.run([condition(CONDITION_BOMB), ...cheap]);
    expect(outcomes[0]).toMatchObject({ ok: false, code: "timeout", error: { message: "The condition took longer than 1000 ms" } });
    expect(outcomes.slice(1)).toEqual(cheap.map(() => ({ ok: true, value: true })));
    // Batches: [bomb, 0..3] and [4..8] at once; then [0..3] again, to the idle worker.
    const resent = sent.filter((m) => !m.conditions.includes(CONDITION_BOMB) && m.conditions.includes("0 == 0"));
    expect(resent).toHaveLength(1);
    expect((resent[0]?.at ?? Infinity) - t0).toBeLessThan(500);
  });

  it("fails a memory bomb with code memory, keeps its batch and goes on working", async () => {
    const p = pool({ threads: 1, memoryMb: 32, timeoutMs: 10_000 });
    const outcomes = await p.run([condition("1 == 1"), condition(MEMORY_BOMB), request(spec()), condition('doc.status == "Open"')]);
    expect(outcomes[1]).toEqual({
      ok: false,
      code: "memory",
      error: { name: "RenderLimitError", message: "The condition used more than 32 MB of memory" },
    });
    expect([outcomes[0], outcomes[2], outcomes[3]]).toEqual([
      inline(condition("1 == 1")),
      inline(request(spec())),
      { ok: true, value: true },
    ]);
    expect(await p.run([condition("doc.total == 40000")])).toEqual([{ ok: true, value: true }]);
  });

  it("judges time by when the worker started each task, not by when this thread looks", async () => {
    const p = pool({ threads: 1, timeoutMs: 500 });
    await p.run([condition("1 == 1")]);
    // ~5 ms each, ~300 ms in all, on one worker: every task is well within its budget.
    const slow = "len([x for x in [0]*10000]) > 0";
    const pending = p.run(Array.from({ length: 60 }, () => condition(slow)));
    // Hold this thread for longer than the budget while the worker goes through the batch.
    const until = Date.now() + 800;
    while (Date.now() < until) {
      /* busy */
    }
    const outcomes = await pending;
    expect(outcomes).toEqual(Array.from({ length: 60 }, () => ({ ok: true, value: true })));
  });

  it("rejects with RenderPoolBusyError when too many tasks wait; blank conditions need no worker", async () => {
    const p = pool({ threads: 1, maxQueue: 5, timeoutMs: 300 });
    const stuck = p.run([condition(CONDITION_BOMB)]);
    const waiting = p.run(Array.from({ length: 5 }, () => condition("1 == 1")));
    expect(p.waiting).toBe(5);
    await expect(p.run([condition("2 == 2")])).rejects.toBeInstanceOf(RenderPoolBusyError);
    await expect(p.run([condition("2 == 2")])).rejects.toThrow("The renderer is busy (5 tasks waiting)");
    expect(await p.run([condition(""), condition("  ")])).toEqual([
      { ok: true, value: true },
      { ok: true, value: true },
    ]);
    expect((await stuck)[0]).toMatchObject({ code: "timeout" });
    expect(await waiting).toEqual(Array.from({ length: 5 }, () => ({ ok: true, value: true })));
  });
});

describe("RenderPool workers", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "render-pool-"));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("computes tasks that run no user code without a worker", async () => {
    const p = pool({
      workerFile: () => {
        throw new Error("no worker here");
      },
    });
    const form = spec({ isDynamicUrl: false, requestStructure: "Form URL-Encoded", data: [{ fieldname: "name", key: "n" }] });
    const tasks = [condition(""), request(form)];
    expect(await p.run(tasks)).toEqual(tasks.map(inline));
    const [needsWorker] = await p.run([condition("1 == 1")]);
    expect(needsWorker).toEqual({
      ok: false,
      code: "crash",
      error: { name: "RenderLimitError", message: "The render worker could not start: no worker here" },
    });
  });

  it("fails with code crash, not forever, when workers keep dying", async () => {
    const file = path.join(tmp, "dies.mjs");
    fs.writeFileSync(
      file,
      'import { parentPort } from "node:worker_threads";\nparentPort.on("message", () => { throw new Error("worker broke"); });\n',
    );
    const p = pool({ threads: 1, workerFile: () => file });
    const outcomes = await p.run([condition("1 == 1"), request(spec()), condition("")]);
    expect(outcomes).toEqual([
      {
        ok: false,
        code: "crash",
        error: { name: "RenderLimitError", message: "The condition could not be evaluated: its worker stopped (worker broke)" },
      },
      {
        ok: false,
        code: "crash",
        error: { name: "RenderLimitError", message: "The template could not be rendered: its worker stopped (worker broke)" },
      },
      { ok: true, value: true },
    ]);
  });

  it("close() fails what is still running and refuses new work", async () => {
    const p = pool({ threads: 1, timeoutMs: 5000 });
    const running = p.run([condition(CONDITION_BOMB), condition("1 == 1")]);
    await p.close();
    expect(await running).toEqual([
      { ok: false, code: "crash", error: { name: "RenderLimitError", message: "The render pool was closed" } },
      { ok: false, code: "crash", error: { name: "RenderLimitError", message: "The render pool was closed" } },
    ]);
    await expect(p.run([condition("1 == 1")])).rejects.toThrow("closed");
    expect(new RenderLimitError("x", "timeout")).toMatchObject({ name: "RenderLimitError", code: "timeout" });
  });
});
