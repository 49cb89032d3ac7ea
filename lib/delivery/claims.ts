// What both dialects' claims and outcomes share: the per-webhook cap on in-flight requests,
// the request stored on a log row, and the status an outcome gives the log.
import { LOG_STATUS, type LogStatus } from "@/lib/constants";
import { unsealHeaders } from "./sealed";
import type { ClaimedDelivery, ClaimRequest, OutcomeKind, Requeue } from "./types";

/**
 * A claimed delivery over its webhook's cap goes back to the queue due this much later, so
 * the claims meanwhile reach other webhooks' deliveries (a claim skips webhooks at their cap
 * altogether; this only handles a batch that brought more of one webhook than it may send).
 */
export const CAP_DEFER_MS = 250;

/** Webhooks at or over their cap on this worker: this claim passes their deliveries by. */
export function cappedWebhooks(c: ClaimRequest): string[] {
  const cap = c.cap ?? Infinity;
  if (!Number.isFinite(cap) || !c.inflight) return [];
  const out: string[] = [];
  for (const [w, n] of c.inflight) if (n >= cap) out.push(w);
  return out;
}

/**
 * The cap only shares slots. When the capped claim ran out of due rows (it found fewer than
 * it asked for: every other webhook's due delivery is taken), the capped webhooks may have
 * the free slots after all, but for `cap` of them, kept for a webhook whose work arrives
 * next. A desk with one busy webhook uses most of its slots; a flood never takes them all.
 * Returns the second claim to make, or undefined.
 */
export function uncappedRest(c: ClaimRequest, found: number, got: number): ClaimRequest | undefined {
  const cap = c.cap ?? Infinity;
  if (!Number.isFinite(cap) || found >= c.limit) return undefined;
  const limit = c.limit - got - cap;
  return limit > 0 ? { ...c, limit, cap: Infinity } : undefined;
}

/**
 * Splits claimed rows into those to send and those to put back (in order). Rows within their
 * webhook's cap go first, whoever they belong to; then rows over it fill the free slots but
 * for `cap` of them, as uncappedRest does: a batch that brought only one webhook's flood
 * still sends most of it, and the slots kept free go to the next webhook with work.
 */
export function admit<T extends { webhook: string | null }>(rows: T[], c: ClaimRequest): { admitted: T[]; deferred: T[] } {
  const cap = c.cap ?? Infinity;
  if (!Number.isFinite(cap)) return { admitted: rows, deferred: [] };
  const counts = new Map<string, number>();
  const admitted: T[] = [];
  const over: T[] = [];
  for (const r of rows) {
    if (r.webhook === null) {
      admitted.push(r);
      continue;
    }
    const n = counts.get(r.webhook) ?? c.inflight?.get(r.webhook) ?? 0;
    if (n >= cap) over.push(r);
    else {
      counts.set(r.webhook, n + 1);
      admitted.push(r);
    }
  }
  const room = Math.max(0, c.limit - cap - admitted.length);
  return { admitted: admitted.concat(over.slice(0, room)), deferred: over.slice(room) };
}

/** In-flight counts per webhook once `claimed` are sent too (a later round keeps the cap). */
export function withClaimed(
  inflight: ReadonlyMap<string, number> | undefined,
  claimed: ClaimedDelivery[],
): ReadonlyMap<string, number> | undefined {
  if (!claimed.length) return inflight;
  const out = new Map(inflight);
  for (const d of claimed) if (d.webhook !== null) out.set(d.webhook, (out.get(d.webhook) ?? 0) + 1);
  return out;
}

/** A log row's stored request, as a claim reads it. */
export interface StoredRequestRow {
  request_method: string | null;
  url: string | null;
  data: string | null;
  request_headers: string | null;
  headers: string | null;
}

export function storedRequest(req: StoredRequestRow | undefined): {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
} {
  return {
    method: req?.request_method || "POST",
    url: req?.url ?? "",
    headers: unsealHeaders(req?.request_headers) ?? legacyHeaders(req?.headers),
    body: req?.data ?? "",
  };
}

/** Rows from before request_headers: the displayed headers minus masked values (the webhook re-adds secrets). */
function legacyHeaders(json: string | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(unsealHeaders(json) ?? {})) if (!v.startsWith("***")) out[k] = v;
  return out;
}

/** The log status an attempt's outcome leaves (released and held leave it as it is). */
export const OUTCOME_STATUS: Record<Exclude<OutcomeKind, "released" | "held">, LogStatus> = {
  delivered: LOG_STATUS.delivered,
  retry: LOG_STATUS.failed,
  exhausted: LOG_STATUS.exhausted,
  error: LOG_STATUS.error,
  cancelled: LOG_STATUS.cancelled,
};

/**
 * What a requeue writes on its log row (status Queued, the request to send), in the order
 * both stores' UPDATE statements take them: status, method, url, shown headers, body,
 * sealed headers, modified, name.
 */
export const requeuedLogValues = (r: Requeue) => [
  LOG_STATUS.queued,
  r.request.method,
  r.request.url,
  r.request.displayHeaders ?? null,
  r.request.body,
  r.request.requestHeaders,
  r.now,
  r.log,
];
