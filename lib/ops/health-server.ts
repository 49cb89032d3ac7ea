import "server-only";
// `npm run worker` has no web server: with WORKER_HEALTH_PORT set it answers GET /healthz and
// GET /readyz on that port (WORKER_HEALTH_HOST, default every interface), with the same checks
// and answers as the desk's routes, for an orchestrator's liveness and readiness probes.
import http from "node:http";
import type { DB } from "@/db";
import { readiness, readinessAnswer, type DispatcherState } from "./health";

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
    if (pathname !== "/readyz") return send(404, { error: { code: "NOT_FOUND", message: "Only /healthz and /readyz are served here" } });
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

/** WORKER_HEALTH_PORT: unset or empty = no health server; else a port number. */
export function healthPortFromEnv(raw = process.env.WORKER_HEALTH_PORT): number | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new Error(`WORKER_HEALTH_PORT must be a port number from 1 to 65535 (got "${raw}")`);
  return n;
}
