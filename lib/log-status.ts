// How the desk shows Request Log statuses and timings; Drizzle-free for client components.
import { LOG_STATUS, type LogStatus } from "@/lib/constants";

export type IndicatorColor = "green" | "red" | "orange" | "blue" | "gray";

const COLORS: Record<LogStatus, IndicatorColor> = {
  [LOG_STATUS.queued]: "blue",
  [LOG_STATUS.delivered]: "green",
  // Failed still has retries to come; Exhausted and Error will not be sent again by themselves.
  [LOG_STATUS.failed]: "orange",
  [LOG_STATUS.exhausted]: "red",
  [LOG_STATUS.error]: "red",
  [LOG_STATUS.cancelled]: "gray",
};

export const statusColor = (status: string): IndicatorColor => COLORS[status as LogStatus] ?? "gray";

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "";
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

// The shape of GET /api/webhook-stats/<name> (lib/services/request-log-stats.ts builds it).
export interface HourBucket {
  /** Start of the hour, epoch ms. */
  hour: number;
  /** Requests made in the hour, by their status now (Delivered; Failed, Exhausted or Error). */
  delivered: number;
  failed: number;
  /** Of the attempts sent in the hour. */
  p50: number | null;
  p95: number | null;
}

export interface WebhookStats {
  webhook: string;
  range: "24h" | "7d";
  buckets: HourBucket[];
  totals: { delivered: number; failed: number; p50: number | null; p95: number | null };
  health: { consecutiveFailures: number; lastSuccess: number | null; lastFailure: number | null; flagged: boolean };
  /** Log rows by status (all time). */
  counts: Record<string, number>;
}
