import "server-only";
// `npm run worker` has no web server: with WORKER_HEALTH_PORT set it answers GET /healthz,
// GET /readyz (and, with METRICS_TOKEN, GET /metrics: this worker's sends) on that port (WORKER_HEALTH_HOST, default every interface), with the same checks
// and answers as the desk's routes, for an orchestrator's liveness and readiness probes.
import http from "node:http";
import type { DB } from "@/db";
import { timingSafeEqual } from "node:crypto";
import { env } from "@/lib/env";
import { readiness, readinessAnswer, type DispatcherState } from "./health";
import { metricsText } from "./metrics";

type Send = (status: number, body: unknown, headers?: Record<string, string>) => void;

/** This worker's metrics, for `Authorization: Bearer $METRICS_TOKEN` only (no desk sign-in here). */
function serveMetrics(req: http.IncomingMessage, res: http.ServerResponse, db: DB, send: Send): void {
  const token = env().METRICS_TOKEN;
  if (!token) return send(404, { error: { code: "NOT_FOUND", message: "Set METRICS_TOKEN to serve /metrics here" } });
  const given = Buffer.from((req.headers.authorization ?? "").replace(/^bearer\s+/i, ""));
  const want = Buffer.from(token);
  if (given.length !== want.length || !timingSafeEqual(given, want)) {
    return send(401, { error: { code: "UNAUTHORIZED", message: "Send Authorization: Bearer <METRICS_TOKEN>" } });
  }
  metricsText(db, [])
    .then(({ contentType, text }) => {
      res.writeHead(200, { "content-type": contentType, "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : text);
    })
    .catch(() => send(503, { error: { code: "UNAVAILABLE", message: "Metrics could not be read" } }, { "retry-after": "5" }));
}

export function serveHealth(opts: { port: number; host?: string; db: DB; dispatcher: () => DispatcherState }): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const pathname = (req.url ?? "/").split("?")[0];
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers });
      res.end(req.method === "HEAD" ? undefined : text);
    };
    if (req.method !== "GET" && req.method !== "HEAD") {
      return send(405, { error: { code: "METHOD_NOT_ALLOWED", message: "Use GET or HEAD" } }, { allow: "GET, HEAD" });
    }
    if (pathname === "/healthz") return send(200, { status: "ok" });
    if (pathname === "/metrics") return serveMetrics(req, res, opts.db, send);
    if (pathname !== "/readyz")
      return send(404, { error: { code: "NOT_FOUND", message: "Only /healthz, /readyz and /metrics are served here" } });
    readiness({ db: opts.db, dispatcher: opts.dispatcher })
      .then((r) => {
        const a = readinessAnswer(r);
        send(a.status, a.body, a.headers);
      })
      .catch(() => send(503, { status: "not ok", error: { code: "NOT_READY", message: "Not ready" } }));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}
