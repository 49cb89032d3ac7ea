// The client's batching and retry rules, against a fake fetch (the real desk is in test/).
import { describe, expect, it } from "vitest";
import { AuthenticationError, EventTooLargeError, UnavailableError, ValidationError, WebhookDeskClient, type DeskEvent } from "./index.js";

const ev = (name: string, extra: Record<string, unknown> = {}): DeskEvent => ({
  doctype: "Note",
  event: "on_update",
  doc: { name, ...extra },
});
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

function fakeDesk(answers: ((body: DeskEvent[]) => Response | Error)[]) {
  const bodies: DeskEvent[][] = [];
  const fetch = (async (_url: string, init: RequestInit) => {
    const body = JSON.parse(String(init.body)) as DeskEvent[];
    bodies.push(body);
    const next = answers.shift() ?? accepted;
    const r = next(body);
    if (r instanceof Error) throw r;
    return r;
  }) as typeof globalThis.fetch;
  return { fetch, bodies };
}
const accepted = (body: DeskEvent[]) => json(202, { events: body.map((e) => ({ id: `ev-${e.id}`, deliveries: [] })) });
const busy = () => json(503, { error: { code: "BUSY", message: "busy" } }, { "retry-after": "0" });
const client = (fetch: typeof globalThis.fetch, extra = {}) =>
  new WebhookDeskClient({ url: "http://desk.test/", apiKey: "k", apiSecret: "s", fetch, baseDelayMs: 1, maxDelayMs: 2, ...extra });

describe("WebhookDeskClient", () => {
  it("gives each event an id when it is buffered and keeps it on every retry (network error, 503)", async () => {
    const desk = fakeDesk([() => new TypeError("fetch failed"), busy, accepted]);
    const out = await client(desk.fetch).sendMany([ev("a"), { ...ev("b"), id: "mine" }]);
    expect(desk.bodies).toHaveLength(3);
    const ids = desk.bodies.map((b) => b.map((e) => e.id));
    expect(ids[0]?.[1]).toBe("mine");
    expect(ids[1]).toEqual(ids[0]);
    expect(ids[2]).toEqual(ids[0]);
    expect(out.map((e) => e.id)).toEqual(ids[0]?.map((id) => `ev-${id}`));
  });

  it("send() buffers until the interval, then sends one batch", async () => {
    const desk = fakeDesk([]);
    const c = client(desk.fetch, { flushIntervalMs: 30 });
    const sent = [c.send(ev("a")), c.send(ev("b")), c.send(ev("c"))];
    expect(desk.bodies).toHaveLength(0);
    await Promise.all(sent);
    expect(desk.bodies.map((b) => b.length)).toEqual([3]);
    await c.close();
  });

  it("a full batch is sent at once; batches keep to 1,000 events and 1 MiB", async () => {
    const desk = fakeDesk([]);
    const c = client(desk.fetch, { batchSize: 2, flushIntervalMs: 60_000 });
    await Promise.all([c.send(ev("a")), c.send(ev("b"))]);
    expect(desk.bodies.map((b) => b.length)).toEqual([2]);

    const big = "x".repeat(300 * 1024);
    const d2 = fakeDesk([]);
    await client(d2.fetch).sendMany([ev("1", { big }), ev("2", { big }), ev("3", { big }), ev("4", { big })]);
    expect(d2.bodies.map((b) => b.length)).toEqual([3, 1]);
    for (const b of d2.bodies) expect(Buffer.byteLength(JSON.stringify(b))).toBeLessThanOrEqual(1024 * 1024);
    await c.close();
  });

  it("refuses an event larger than a request may be, without sending it", async () => {
    const desk = fakeDesk([]);
    await expect(client(desk.fetch).send(ev("huge", { big: "x".repeat(1024 * 1024) }))).rejects.toBeInstanceOf(EventTooLargeError);
    expect(desk.bodies).toHaveLength(0);
  });

  it("a 400 naming one event rejects that one with a ValidationError and sends the rest", async () => {
    const desk = fakeDesk([
      () =>
        json(400, {
          error: { code: "BAD_REQUEST", message: "events[1].event: must be one of …", fields: { "events[1].event": "must be one of …" } },
        }),
    ]);
    const c = client(desk.fetch, { flushIntervalMs: 5 });
    const results = await Promise.allSettled([ev("a"), ev("b"), ev("c")].map((e) => c.send(e)));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(results.map((r) => (r.status === "rejected" ? r.reason : undefined))[1]).toBeInstanceOf(ValidationError);
    expect(desk.bodies.map((x) => x.map((e) => e.doc.name))).toEqual([
      ["a", "b", "c"],
      ["a", "c"],
    ]);
  });

  it("a 401 is not retried: AuthenticationError with the desk's code", async () => {
    const desk = fakeDesk([() => json(401, { error: { code: "UNAUTHORIZED", message: "Invalid API key" } })]);
    const err = await client(desk.fetch, { flushIntervalMs: 0 })
      .send(ev("a"))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({ status: 401, code: "UNAUTHORIZED" });
    expect(desk.bodies).toHaveLength(1);
  });

  it("gives up after maxAttempts: the last error", async () => {
    const desk = fakeDesk([busy, busy, busy]);
    await expect(client(desk.fetch, { maxAttempts: 3 }).sendMany([ev("a")])).rejects.toBeInstanceOf(UnavailableError);
    expect(desk.bodies).toHaveLength(3);
  });

  it("close() flushes what is buffered; later sends reject", async () => {
    const desk = fakeDesk([]);
    const c = client(desk.fetch, { flushIntervalMs: 60_000 });
    const pending = c.send(ev("a"));
    await c.close();
    await expect(pending).resolves.toMatchObject({ id: expect.stringMatching(/^ev-/) });
    await expect(c.send(ev("b"))).rejects.toThrow("closed");
  });
});
