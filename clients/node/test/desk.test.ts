// The client against a real desk (the repository's production build): a webhook to a loopback
// receiver, 3,000 events in batches of 500, and the desk SIGKILLed while a batch is in flight
// and started again on the same database. Every event must be accepted, logged once and
// delivered once: received by name, and any repeat only a re-send of that one request (the
// same webhook-id), which a receiver dedupes.
import { execFileSync } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
// @ts-expect-error -- a plain .mjs helper without types
import { startDesk } from "../../test-support/desk-server.mjs";
import { WebhookDeskClient, type DeskEvent } from "../src/index.js";

interface Desk {
  url: string;
  apiKey: string;
  apiSecret: string;
  start(): Promise<void>;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

const TOTAL = 3000;
const BATCH = 500;
const DOCTYPE = "Client Test Note";
const WEBHOOK = "client-test";

let desk: Desk;
let receiver: http.Server;
/** name → webhook-ids it was received with (one entry per receipt). */
const received = new Map<string, string[]>();

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c));
    req.on("end", () => {
      const { name } = JSON.parse(body) as { name: string };
      received.set(name, [...(received.get(name) ?? []), String(req.headers["webhook-id"])]);
      res.end("ok");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  // A killed dispatcher's leases come due again after the webhook's timeout plus this margin.
  desk = (await startDesk({ env: { WEBHOOK_LEASE_MARGIN_MS: "1000" } })) as Desk;
});

afterAll(async () => {
  await desk?.stop();
  receiver?.close();
});

const admin = () => new WebhookDeskClient({ url: desk.url, apiKey: desk.apiKey, apiSecret: desk.apiSecret });

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

it("sends 3,000 events through a SIGKILL and a restart: each accepted, logged and delivered once", async () => {
  const port = (receiver.address() as AddressInfo).port;
  // The desk learns a DocType from its first event; no webhook is on it yet, so nothing is sent.
  await admin().sendMany([{ doctype: DOCTYPE, event: "after_insert", doc: { name: "WARM-UP" } }]);
  const created = await admin().request("/api/resource/Webhook", "post", {
    name: WEBHOOK,
    webhook_doctype: DOCTYPE,
    webhook_docevent: "on_update",
    request_url: `http://127.0.0.1:${port}/hook`,
    request_structure: "",
    webhook_data: [{ fieldname: "name", key: "name" }],
    timeout: 2,
  });
  expect(created.data.name).toBe(WEBHOOK);

  // The third request is the one in flight when the desk is killed; the desk comes back a moment later.
  let calls = 0;
  let restarted: Promise<void> | undefined;
  const killingFetch: typeof fetch = (input, init) => {
    calls++;
    const pending = fetch(input, init);
    if (calls === 3) {
      restarted = (async () => {
        await new Promise((r) => setTimeout(r, 15));
        await desk.kill();
        await new Promise((r) => setTimeout(r, 500));
        await desk.start();
      })();
    }
    return pending;
  };
  const client = new WebhookDeskClient({
    url: desk.url,
    apiKey: desk.apiKey,
    apiSecret: desk.apiSecret,
    batchSize: BATCH,
    maxAttempts: 12,
    fetch: killingFetch,
  });
  const events: DeskEvent[] = Array.from({ length: TOTAL }, (_, i) => {
    const name = `NOTE-${String(i).padStart(5, "0")}`;
    return { doctype: DOCTYPE, event: "on_update", doc: { name, n: i }, id: `${DOCTYPE}:${name}:2026-03-10 12:00:00.000000:on_update` };
  });

  // One at a time, as a host app sends: buffered, and flushed each time a batch is full.
  const accepted = await Promise.all(events.map((e) => client.send(e)));
  await client.close();
  await restarted;
  expect(calls, "the killed batch was retried").toBeGreaterThan(TOTAL / BATCH);
  expect(accepted).toHaveLength(TOTAL);
  expect(new Set(accepted.map((e) => e.id)).size, "one desk event per id").toBe(TOTAL);
  for (const e of accepted) expect(e.deliveries.length + (e.duplicate ? 1 : 0)).toBeGreaterThan(0);

  // Every document received, and every repeat the same request (its webhook-id) sent again.
  await until("every document at the receiver", async () => (received.size >= TOTAL ? true : undefined));
  expect(received.size).toBe(TOTAL);
  for (const [name, ids] of received) expect(new Set(ids).size, `${name}: one request`).toBe(1);

  // The desk's Request Log: one row per event, all Delivered.
  const logs = `/api/resource/Webhook%20Request%20Log?webhook=${WEBHOOK}&with_count=1&limit=1`;
  const count = async (status?: string) => {
    const page = await admin().request(logs + (status ? `&status=${status}` : ""), "get");
    return (page as { count?: { count: number } }).count?.count;
  };
  await until("every request Delivered", async () => ((await count("Delivered")) === TOTAL ? true : undefined));
  expect(await count()).toBe(TOTAL);
});

it("flushes what is buffered when the process is about to exit", async () => {
  const script = `
    import { WebhookDeskClient } from ${JSON.stringify(new URL("../dist/index.js", import.meta.url).href)};
    const client = new WebhookDeskClient({ url: process.env.DESK_URL, apiKey: process.env.DESK_KEY, apiSecret: process.env.DESK_SECRET, flushIntervalMs: 60000 });
    client.send({ doctype: ${JSON.stringify(DOCTYPE)}, event: "on_update", doc: { name: "AT-EXIT" }, id: "at-exit" }).then((e) => console.log(JSON.stringify(e)));
  `;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    env: { ...process.env, DESK_URL: desk.url, DESK_KEY: desk.apiKey, DESK_SECRET: desk.apiSecret },
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(JSON.parse(out).deliveries).toHaveLength(1);
  await until("AT-EXIT at the receiver", async () => (received.has("AT-EXIT") ? true : undefined));
});
