// A webhook receiver on the loopback, in the test process: it records every request as the
// receiver's HTTP stack saw it (header names lowercased by node, the raw body) and answers
// each path from a script (by default 200 with a small JSON body).
import http from "node:http";
import { expect } from "@playwright/test";
import { listen } from "./helpers";

export interface Received {
  path: string;
  method: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Epoch ms when the whole request had arrived. */
  at: number;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export class Receiver {
  readonly hits: Received[] = [];
  private readonly scripts = new Map<string, Answer[]>();
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "";
      this.hits.push({
        path,
        method: req.method ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        at: Date.now(),
      });
      const a = this.scripts.get(path)?.shift() ?? { status: 200, body: '{"received": true}' };
      res.writeHead(a.status, { "Content-Type": "application/json", ...a.headers });
      res.end(a.body ?? JSON.stringify({ status: a.status }));
    });
  });
  base = "";

  async start(): Promise<this> {
    this.base = `http://127.0.0.1:${await listen(this.server, 0)}`;
    return this;
  }

  /** The next answers to requests for `path`, in order; after them, 200. */
  script(path: string, ...answers: Answer[]): void {
    this.scripts.set(path, answers);
  }

  /** What `path` received so far, oldest first. */
  at(path: string): Received[] {
    return this.hits.filter((h) => h.path === path);
  }

  /** Waits until `path` has received `count` requests; returns them. */
  async waitFor(path: string, count: number, timeout = 20_000): Promise<Received[]> {
    await expect
      .poll(() => this.at(path).length, { timeout, message: `${path} receives ${count} request(s)` })
      .toBeGreaterThanOrEqual(count);
    return this.at(path);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A failed attempt that asks for the retry in `seconds` (the dispatcher honours Retry-After). */
export const retryAfter = (seconds: number): Answer => ({
  status: 503,
  headers: { "Retry-After": String(seconds) },
  body: '{"error": "try later"}',
});
