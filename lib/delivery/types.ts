// The delivery store's shapes, shared by both dialects' implementations (store-sqlite.ts,
// store-pg.ts), the sources the dispatcher runs on (source.ts) and their callers.
import type { LogStatus } from "@/lib/constants";

export interface NewLog {
  name: string;
  webhook: string | null;
  referenceDoctype: string | null;
  referenceDocument: string | null;
  docEvent: string | null;
  event: string | null;
  user: string | null;
  url: string;
  method: string;
  /** Masked, for display (JSON). */
  headers: string | null;
  data: string | null;
  /** Sealed (lib/delivery/sealed.ts). */
  requestHeaders: string | null;
  status: LogStatus;
  error: string | null;
  isTest: boolean;
  created: number;
}

export interface NewDelivery {
  id: string;
  webhook: string | null;
  queue: string;
  timeoutMs: number;
  maxRetries: number;
  manual: boolean;
  sign: boolean;
  dueAt: number;
  /** Send in Order per Document: the document it waits its turn for (order.ts); absent: none. */
  orderKey?: string | null;
}

export interface ClaimedDelivery {
  id: string;
  log: string;
  webhook: string | null;
  queue: string;
  timeoutMs: number;
  maxRetries: number;
  attempts: number;
  manual: boolean;
  /** false: `headers` are complete (presigned); true: sign from the webhook now. */
  sign: boolean;
  method: string;
  url: string;
  /** The stored base headers, unsealed. */
  headers: Record<string, string>;
  body: string;
  /** PostgreSQL: the pg-boss job this claim came with (delivery.job). */
  job?: string;
  /** When the delivery was queued (epoch ms): accept → first attempt is measured from it. */
  created: number;
  /** Send in Order per Document (order.ts): the next delivery of this document waits for this one. */
  orderKey?: string | null;
}

export type OutcomeKind = "delivered" | "retry" | "exhausted" | "error" | "released" | "held" | "cancelled";

/** One request the receiver could have seen. */
export interface AttemptRecord {
  started: number;
  httpStatus?: number;
  durationMs?: number;
  /** Masked before it gets here. */
  response?: string;
  error?: string;
  /** JSON of AttemptSignature. */
  signature?: string;
}

export interface Outcome {
  delivery: Pick<ClaimedDelivery, "id" | "log" | "manual" | "queue" | "job"> &
    Partial<Pick<ClaimedDelivery, "webhook" | "sign" | "orderKey">>;
  kind: OutcomeKind;
  /** In order; the last one's figures go on the log row. Empty for released/held/cancelled. */
  attempts: AttemptRecord[];
  /** For "retry". */
  nextDueAt?: number;
  /** Masked JSON of the headers actually sent. */
  sentHeaders?: string;
  /** For "exhausted"/"error"/"cancelled": the log's error text (else the last attempt's). */
  error?: string;
  /** "delivered" on a webhook the dispatcher knew to be failing: its failing streak ends (health.ts). */
  endsStreak?: boolean;
}

/** What one cycle asks of a queue. */
export interface ClaimRequest {
  queue: string;
  /** Free slots: claim at most this many. */
  limit: number;
  /** In-flight requests per webhook this worker may have (Infinity: no cap). */
  cap?: number;
  /** This worker's in-flight requests per webhook, now. */
  inflight?: ReadonlyMap<string, number>;
  /** Max Requests per Second of the rate-limited webhooks (the others are absent). */
  rates?: ReadonlyMap<string, number>;
}

export interface PendingDelivery {
  id: string;
  leaseUntil: number | null;
  dueAt: number;
  held: boolean;
  webhook: string | null;
  /** Send in Order per Document (order.ts): the document it waits its turn for. */
  orderKey: string | null;
}

export interface Requeue {
  log: string;
  /** The delivery id (webhook-id): kept for a redelivery, new for a re-render. */
  id: string;
  webhook: string | null;
  queue: string;
  timeoutMs: number;
  /** The request as it will be stored on the log; `displayHeaders` undefined keeps the shown ones. */
  request: { method: string; url: string; body: string; requestHeaders: string; displayHeaders?: string };
  now: number;
}

/** The final state of a log row (Send Test waits for it). */
export interface LogOutcome {
  status: string;
  httpStatus: number | null;
  durationMs: number | null;
  response: string | null;
  error: string | null;
  attempts: number;
}
