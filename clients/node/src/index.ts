// @webhook-desk/client: send document events to a Webhook Desk from a Node.js host app.
//
// - `send(event)` buffers; the buffer is flushed in batches within the desk's limits (1,000
//   events, 1 MiB a request) when a batch is full, every `flushIntervalMs`, on `flush()` /
//   `close()`, and when the process is about to exit (`beforeExit`).
// - `sendMany(events)` buffers them all and flushes at once.
// - What can be retried is retried with exponential backoff and jitter: a network error (the
//   desk restarting), 408, 429 and 5xx (the desk's 503 says Retry-After). Retrying is safe:
//   the desk accepts an event `id` once, and every event keeps its id across attempts (one
//   without gets a random id when it is buffered), so a batch whose answer was lost is never
//   dispatched twice.
// - A 4xx is not retried: it rejects with a typed error (errors.ts). When the desk names the
//   bad event (`events[3].event: …`), only that event is rejected and the rest are sent.
// - `request` calls any operation of the desk's OpenAPI document, typed from it (src/schema.ts).
import { randomUUID } from "node:crypto";
import { errorFromResponse, EventTooLargeError, isRetryable, WebhookDeskError } from "./errors.js";
import type { components, paths } from "./schema.js";

export * from "./errors.js";
export type { components, paths } from "./schema.js";
export type DeskEvent = components["schemas"]["Event"];
export type DocEvent = components["schemas"]["DocEvent"];
export type EventsAccepted = components["schemas"]["EventsAccepted"];
export type AcceptedEvent = EventsAccepted["events"][number];

/** The desk's limits of POST /api/events. */
export const MAX_BATCH_EVENTS = 1000;
export const MAX_BATCH_BYTES = 1024 * 1024;

export interface ClientOptions {
  /** The desk's URL, e.g. https://desk.example.com */
  url: string;
  apiKey: string;
  apiSecret: string;
  /** How long `send` waits for more events before it flushes, in ms (default 1,000; 0: flush at once). */
  flushIntervalMs?: number;
  /** Events per request (default and most: 1,000). Requests also stay under 1 MiB. */
  batchSize?: number;
  /** Attempts per request, the first included (default 10). */
  maxAttempts?: number;
  /** First backoff in ms, doubled per attempt up to `maxDelayMs` (defaults 250 and 15,000), ±50 % jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Per-attempt timeout in ms (default 30,000). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

interface Pending {
  event: DeskEvent;
  bytes: number;
  resolve(e: AcceptedEvent): void;
  reject(e: unknown): void;
}

type Method = "get" | "post" | "put" | "delete";
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
type JsonBody<O> = O extends { requestBody?: { content: { "application/json": infer B } } } ? B : never;
type Success<O> = O extends { responses: infer R }
  ? { [S in keyof R]: S extends 200 | 201 | 202 ? (R[S] extends { content: { "application/json": infer B } } ? B : never) : never }[keyof R]
  : never;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const utf8Bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v), "utf8");

export class WebhookDeskClient {
  private readonly url: string;
  private readonly auth: string;
  private readonly opts: Required<Omit<ClientOptions, "url" | "apiKey" | "apiSecret" | "fetch">>;
  private readonly fetchFn: typeof fetch;
  private buffer: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The flush in progress: flushes run one after another, so batches keep their order. */
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly onBeforeExit = () => void this.flush();

  constructor(options: ClientOptions) {
    this.url = options.url.replace(/\/+$/, "");
    this.auth = `token ${options.apiKey}:${options.apiSecret}`;
    this.fetchFn = options.fetch ?? globalThis.fetch;
    this.opts = {
      flushIntervalMs: options.flushIntervalMs ?? 1000,
      batchSize: Math.max(1, Math.min(options.batchSize ?? MAX_BATCH_EVENTS, MAX_BATCH_EVENTS)),
      maxAttempts: options.maxAttempts ?? 10,
      baseDelayMs: options.baseDelayMs ?? 250,
      maxDelayMs: options.maxDelayMs ?? 15_000,
      timeoutMs: options.timeoutMs ?? 30_000,
    };
    process.on("beforeExit", this.onBeforeExit);
  }

  /** Buffers one event; resolves once the desk has accepted it (its id there and the requests queued). */
  send(event: DeskEvent): Promise<AcceptedEvent> {
    const accepted = this.enqueue(event);
    if (this.buffer.length >= this.opts.batchSize || this.opts.flushIntervalMs === 0) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.opts.flushIntervalMs).unref();
    return accepted;
  }

  /** Buffers the events and flushes now; resolves with the desk's answer per event, in order. */
  async sendMany(events: DeskEvent[]): Promise<AcceptedEvent[]> {
    const accepted = events.map((e) => this.enqueue(e));
    void this.flush();
    return Promise.all(accepted);
  }

  /** Sends everything buffered so far; resolves when it has been answered. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batches = this.takeBatches();
    this.flushing = this.flushing.then(async () => {
      for (const batch of batches) await this.sendBatch(batch);
    });
    return this.flushing;
  }

  /** Flushes, then stops: later `send`s reject. Call it on SIGTERM before the process exits. */
  async close(): Promise<void> {
    this.closed = true;
    process.off("beforeExit", this.onBeforeExit);
    await this.flush();
  }

  /** Any operation of the desk's API, typed from its OpenAPI document; retried like events are. */
  async request<P extends keyof paths, M extends Method & keyof paths[P]>(
    path: P | string,
    method: M,
    body?: JsonBody<Operation<P & keyof paths, M>>,
  ): Promise<Success<Operation<P & keyof paths, M>>> {
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await this.fetchFn(this.url + path, {
          method: method.toUpperCase(),
          headers: {
            Authorization: this.auth,
            Accept: "application/json",
            ...(body === undefined ? {} : { "Content-Type": "application/json" }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(this.opts.timeoutMs),
        });
      } catch (err) {
        if (attempt >= this.opts.maxAttempts) throw err;
        await sleep(this.backoff(attempt));
        continue;
      }
      if (res.ok) return (await res.json()) as Success<Operation<P & keyof paths, M>>;
      const error = await errorFromResponse(res);
      if (!isRetryable(res.status) || attempt >= this.opts.maxAttempts) throw error;
      await sleep(Math.max(this.backoff(attempt), (error.retryAfterS ?? 0) * 1000));
    }
  }

  private enqueue(event: DeskEvent): Promise<AcceptedEvent> {
    if (this.closed) return Promise.reject(new Error("WebhookDeskClient is closed"));
    const withId = event.id ? event : { ...event, id: randomUUID() };
    const bytes = utf8Bytes(withId);
    // The array's brackets and one comma per event.
    if (bytes + 2 > MAX_BATCH_BYTES) return Promise.reject(new EventTooLargeError(withId.id ?? "", bytes, MAX_BATCH_BYTES));
    return new Promise((resolve, reject) => this.buffer.push({ event: withId, bytes, resolve, reject }));
  }

  /** The buffer cut into requests within both limits. */
  private takeBatches(): Pending[][] {
    const out: Pending[][] = [];
    let batch: Pending[] = [];
    let size = 2;
    for (const p of this.buffer) {
      if (batch.length && (batch.length >= this.opts.batchSize || size + p.bytes + 1 > MAX_BATCH_BYTES)) {
        out.push(batch);
        batch = [];
        size = 2;
      }
      batch.push(p);
      size += p.bytes + 1;
    }
    if (batch.length) out.push(batch);
    this.buffer = [];
    return out;
  }

  /** One request; a 4xx that names some events rejects those and sends the rest again. */
  private async sendBatch(batch: Pending[]): Promise<void> {
    let rest = batch;
    while (rest.length) {
      try {
        const answer = await this.request(
          "/api/events",
          "post",
          rest.map((p) => p.event),
        );
        rest.forEach((p, i) => {
          const accepted = answer.events[i];
          if (accepted) p.resolve(accepted);
          else p.reject(new Error("the desk answered fewer events than were sent"));
        });
        return;
      } catch (err) {
        const bad = err instanceof WebhookDeskError ? err.eventIndexes() : [];
        if (!bad.length || bad.length >= rest.length) {
          for (const p of rest) p.reject(err);
          return;
        }
        for (const i of bad) rest[i]?.reject(err);
        rest = rest.filter((_, i) => !bad.includes(i));
      }
    }
  }

  private backoff(attempt: number): number {
    const exp = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** (attempt - 1));
    return exp / 2 + Math.random() * exp;
  }
}
