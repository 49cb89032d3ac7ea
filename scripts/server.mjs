#!/usr/bin/env node
// The HTTP server `npm start` runs: Next.js behind a thin node:http front that does what only
// the socket can know, before Next sees a request:
//  - the client's address: taken from the socket (or, with TRUST_PROXY=N, the N-th address
//    from the right of X-Forwarded-For, the one the nearest trusted proxy saw) and passed on
//    in a header that a client's own copy can never reach the app through;
//  - bodies no unauthenticated handler should hold: pages take no bodies, so a page request
//    may carry at most 64 KiB and must declare its length (API routes authenticate before
//    they read, and cap what they read themselves);
//  - a path whose percent-escapes are malformed gets a clear 400 instead of Next's bare 500.
import http from "node:http";
import path from "node:path";
import next from "next";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const dev = process.argv.includes("--dev");
const port = Number(process.env.PORT || 3000);
const hostname = process.env.HOST || undefined;
const CLIENT_ADDRESS_HEADER = "x-webhook-desk-client-address"; // lib/auth/request-origin.ts
const PAGE_BODY_LIMIT = 64 * 1024;
// Back-pressure for host apps: at most this many POST /api/events in progress; past it the
// answer is an immediate 503 with Retry-After, so a flood of posting clients cannot queue up
// work without bound and a new connection (a person at the desk, a health check) is still
// answered at once.
const EVENTS_MAX_INFLIGHT = (() => {
  const n = Number(process.env.WEBHOOK_EVENTS_MAX_INFLIGHT || 64);
  return Number.isInteger(n) && n > 0 ? n : 64;
})();
let eventsInflight = 0;

const trustProxy = (() => {
  const v = (process.env.TRUST_PROXY ?? "").trim().toLowerCase();
  if (v === "" || v === "0" || v === "false") return 0;
  if (v === "true") return 1;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`TRUST_PROXY must be 0, 1 or the number of proxies in front (got "${process.env.TRUST_PROXY}")`);
    process.exit(1);
  }
  return n;
})();

const plainAddress = (a) => (a && a.startsWith("::ffff:") && a.includes(".") ? a.slice(7) : a) || "unknown";

function clientAddress(req) {
  const socketAddress = plainAddress(req.socket.remoteAddress);
  if (!trustProxy) return socketAddress;
  const raw = req.headers["x-forwarded-for"];
  const hops = (Array.isArray(raw) ? raw.join(",") : (raw ?? ""))
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  // The right-most entries were written by our own proxies; the one before them is the client.
  return plainAddress(hops[hops.length - trustProxy]) || socketAddress;
}

function refuse(res, status, code, message, api) {
  const body = api ? JSON.stringify({ error: { code, message } }) : message;
  res.writeHead(status, {
    "content-type": api ? "application/json" : "text/plain; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    connection: "close",
  });
  res.end(body);
}

// Read by lib/auth/request-origin.ts: the client address header can be trusted in this process.
globalThis.__webhookDeskServer = true;

const app = next({ dev, dir: root, port, hostname });
const server = http.createServer((req, res) => {
  delete req.headers[CLIENT_ADDRESS_HEADER];
  req.headers[CLIENT_ADDRESS_HEADER] = clientAddress(req);
  const url = req.url ?? "/";
  const pathname = url.split("?")[0] ?? "/";
  const api = pathname.startsWith("/api/");
  try {
    decodeURIComponent(pathname);
  } catch {
    return refuse(res, 400, "BAD_REQUEST", "The URL has a malformed percent-encoding", api);
  }
  const method = (req.method ?? "GET").toUpperCase();
  if (pathname === "/api/events" && method === "POST") {
    if (eventsInflight >= EVENTS_MAX_INFLIGHT) {
      // Read (and drop) the body first, so the keep-alive connection stays usable.
      req.resume();
      req.on("end", () => {
        const body = JSON.stringify({
          error: { code: "BUSY", message: "Too many events are being processed; retry after the Retry-After seconds" },
        });
        res.writeHead(503, { "content-type": "application/json", "content-length": Buffer.byteLength(body), "retry-after": "1" });
        res.end(body);
      });
      return;
    }
    eventsInflight += 1;
    let counted = true;
    const release = () => {
      if (counted) eventsInflight -= 1;
      counted = false;
    };
    res.on("finish", release);
    res.on("close", release);
  }
  if (!api && !["GET", "HEAD", "OPTIONS"].includes(method)) {
    const length = req.headers["content-length"];
    if (length === undefined && req.headers["transfer-encoding"]) {
      return refuse(res, 411, "LENGTH_REQUIRED", "Send a Content-Length", false);
    }
    if (Number(length) > PAGE_BODY_LIMIT) return refuse(res, 413, "PAYLOAD_TOO_LARGE", "The body is larger than 64 KiB", false);
  }
  handle(req, res).catch((err) => {
    console.error("[server] request failed:", err);
    if (!res.headersSent) refuse(res, 500, "INTERNAL", "Something went wrong. The error was logged on the server.", api);
    else res.destroy();
  });
});
let handle;

// Registered before Next starts, so the dispatcher's drain (lib/dispatcher) runs first and
// calls these afterwards.
for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  });
}

await app.prepare();
handle = app.getRequestHandler();
server.listen(port, hostname, () => {
  console.log(`Webhook Desk ready on http://${hostname ?? "localhost"}:${port}${dev ? " (dev)" : ""}`);
});
