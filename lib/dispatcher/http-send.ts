// Sends one stored request with node:http(s): keep-alive agents, the SSRF-checking DNS
// lookup, no redirects, one overall deadline, and the response text capped at 64 KiB.
import http from "node:http";
import https from "node:https";
import { RESPONSE_CAP_BYTES } from "./config";
import { parseRetryAfter } from "./retry";
import { SsrfBlockedError, checkLiteralHost, guardedLookup } from "./ssrf";

export interface OutgoingRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export interface SendResult {
  httpStatus?: number;
  durationMs: number;
  /** Response body text, capped. */
  response?: string;
  error?: string;
  retryAfterMs?: number;
  /** Never worth retrying: SSRF refusal, bad URL, headers Node refuses to send. */
  permanent?: boolean;
  /** Refused by the private-network guard (lib/dispatcher/ssrf.ts). */
  refused?: boolean;
  /** Cancelled by shutdown: not an attempt, the delivery is released instead. */
  aborted?: boolean;
}

// Free sockets are dropped after 4 s, below the 5 s keep-alive most servers use, so we
// rarely write to a socket the server is closing.
const agentOptions = { keepAlive: true, maxSockets: 512, maxFreeSockets: 256, timeout: 4000, scheduling: "lifo" as const };
const g = globalThis as unknown as { __webhookAgents?: { http: http.Agent; https: https.Agent } };
function agents() {
  g.__webhookAgents ??= { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };
  return g.__webhookAgents;
}

const errorText = (e: unknown): string => {
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    return code && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
};

export interface SendOutcome extends SendResult {
  /** Earlier tries of this same send the receiver may have seen (a reused socket that was reset). */
  earlier: (SendResult & { started: number })[];
  /** Epoch ms when the last try started. */
  started: number;
}

export async function sendRequest(req: OutgoingRequest, signal?: AbortSignal): Promise<SendOutcome> {
  const started = Date.now();
  const first = await sendOnce(req, signal);
  // A keep-alive socket the server closed as we reused it: most likely the request never
  // got there, so it goes again at once on a fresh socket. The receiver may still have seen
  // it, so the first try is recorded too.
  if (first.reusedSocketReset) {
    const { reusedSocketReset: _r, ...tried } = first;
    const againAt = Date.now();
    const again = await sendOnce(req, signal);
    const { reusedSocketReset: _r2, ...last } = again;
    return {
      ...last,
      started: againAt,
      earlier: [{ ...tried, error: `${tried.error ?? "Connection reset"} (a reused connection; sent again at once)`, started }],
    };
  }
  const { reusedSocketReset: _r, ...only } = first;
  return { ...only, started, earlier: [] };
}

function sendOnce(req: OutgoingRequest, signal?: AbortSignal): Promise<SendResult & { reusedSocketReset?: boolean }> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return Promise.resolve({ durationMs: 0, error: `Invalid URL: ${req.url}`, permanent: true });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return Promise.resolve({ durationMs: 0, error: `Unsupported URL scheme ${url.protocol} (use http or https)`, permanent: true });
  }
  const literal = checkLiteralHost(url.hostname);
  if (literal) return Promise.resolve({ durationMs: 0, error: literal.message, permanent: true, refused: true });

  const body = Buffer.from(req.body, "utf8");
  const headers: Record<string, string> = { ...req.headers };
  const lower = new Set(Object.keys(headers).map((k) => k.toLowerCase()));
  if (!lower.has("content-length") && (body.length > 0 || req.method !== "GET")) headers["Content-Length"] = String(body.length);
  if (!lower.has("user-agent")) headers["User-Agent"] = "Webhook-Desk";

  return new Promise((resolve) => {
    let settled = false;
    let gotResponse = false;
    let gotResponseEnd = false;
    let timedOut = false;
    let request: http.ClientRequest | undefined;
    const timeoutText = `Timed out after ${req.timeoutMs} ms`;
    // One deadline for the whole exchange (connect, send, response body), not an idle timeout.
    // When the timer fires late (this thread was busy), an answer may already be waiting in
    // the socket: the poll phase that follows reads it before the check phase runs the
    // setImmediate, so a stall here can never turn an answered request into a timeout.
    const timer = setTimeout(() => {
      setImmediate(() => {
        if (settled || gotResponseEnd) return;
        timedOut = true;
        request?.destroy(Object.assign(new Error(timeoutText), { code: "ETIMEDOUT" }));
      });
    }, req.timeoutMs);
    const onAbort = () => {
      request?.destroy();
      finish({ durationMs: elapsed(), error: "Cancelled: the dispatcher is shutting down", aborted: true });
    };
    const finish = (r: SendResult & { reusedSocketReset?: boolean }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(r);
    };
    // Shutting down already: nothing is opened (a request destroyed before its "error" listener
    // is attached would throw "socket hang up" as an uncaught exception).
    if (signal?.aborted) return onAbort();
    const mod = url.protocol === "https:" ? https : http;
    try {
      request = mod.request(url, {
        method: req.method,
        headers,
        agent: url.protocol === "https:" ? agents().https : agents().http,
        lookup: guardedLookup,
      });
    } catch (e) {
      // e.g. ERR_INVALID_CHAR in a header value: retrying sends the same bytes.
      return finish({ durationMs: elapsed(), error: errorText(e), permanent: true });
    }
    const sent = request;
    signal?.addEventListener("abort", onAbort, { once: true });

    sent.on("error", (e) => {
      const ssrf = e instanceof SsrfBlockedError;
      const code = (e as NodeJS.ErrnoException).code;
      finish({
        durationMs: elapsed(),
        error: errorText(e),
        permanent: ssrf,
        ...(ssrf ? { refused: true } : {}),
        reusedSocketReset: !gotResponse && sent.reusedSocket && (code === "ECONNRESET" || code === "EPIPE"),
      });
    });
    sent.on("response", (res) => {
      gotResponse = true;
      const status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      const done = (error?: string) => {
        const text = Buffer.concat(chunks).subarray(0, RESPONSE_CAP_BYTES).toString("utf8");
        let err = error;
        if (!err && status >= 300 && status < 400) {
          err = `Redirect (${status}${res.headers.location ? ` to ${res.headers.location}` : ""}) not followed`;
        } else if (!err && (status < 200 || status >= 300)) {
          err = `HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ""}`;
        }
        finish({
          httpStatus: status,
          durationMs: elapsed(),
          response: truncated ? text + "\n…(truncated at 64 KiB)" : text,
          ...(err ? { error: err } : {}),
          ...(status < 200 || status >= 300 ? { retryAfterMs: parseRetryAfter(res.headers["retry-after"]) } : {}),
        });
      };
      res.on("data", (c: Buffer) => {
        if (truncated) return;
        chunks.push(c);
        size += c.length;
        if (size > RESPONSE_CAP_BYTES) {
          // Enough to show; don't spend the deadline reading the rest. Settle first: tearing
          // the socket down emits "aborted"/"error", which must not turn a complete status
          // line into a connection error.
          truncated = true;
          done();
          res.destroy();
        }
      });
      res.on("end", () => {
        gotResponseEnd = true;
        done();
      });
      res.on("error", (e) => {
        if (!truncated) done(timedOut ? timeoutText : errorText(e));
      });
      res.on("aborted", () => {
        if (!truncated) done(timedOut ? timeoutText : "Connection closed before the response ended");
      });
    });
    sent.end(body);
  });
}
