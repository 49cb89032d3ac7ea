"use client";

import { queryOptions, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { api } from "@/lib/api-client";
import { LOG_STATUS } from "@/lib/constants";
import { formatDateTime, timeAgo } from "@/lib/format";
import { formatMs, statusColor, type HourBucket, type WebhookStats } from "@/lib/log-status";
import { Indicator } from "@/components/desk/page-head";

type Range = WebhookStats["range"];

/** The panel's queries start with this key: invalidate it after sending (Send Test) to refresh them. */
export const WEBHOOK_STATS_KEY = "webhook-stats";

const webhookStatsQuery = (name: string, range: Range) =>
  queryOptions({
    queryKey: [WEBHOOK_STATS_KEY, name, range],
    queryFn: () => api<{ data: WebhookStats }>(`/api/webhook-stats/${encodeURIComponent(name)}?range=${range}`).then((r) => r.data),
    refetchInterval: 60_000,
  });

const W = 720;
const H = 180;
const PAD = { left: 36, right: 48, top: 10, bottom: 22 };

const hourLabel = (ms: number, range: Range) => {
  const d = new Date(ms);
  return range === "24h" ? `${String(d.getHours()).padStart(2, "0")}:00` : `${d.getMonth() + 1}/${d.getDate()}`;
};

/** Stacked bars of requests (delivered green, failed red) per hour and the p95 duration as a line. */
function Chart({ buckets, range }: { buckets: HourBucket[]; range: Range }) {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const maxCount = Math.max(1, ...buckets.map((b) => b.delivered + b.failed));
  const maxMs = Math.max(1, ...buckets.map((b) => b.p95 ?? 0));
  const slot = plotW / Math.max(1, buckets.length);
  const barW = Math.max(1, slot * 0.8);
  const y = (n: number) => PAD.top + plotH - (n / maxCount) * plotH;
  const yMs = (n: number) => PAD.top + plotH - (n / maxMs) * plotH;
  const line = buckets
    .map((b, i) => (b.p95 === null ? null : `${(PAD.left + i * slot + slot / 2).toFixed(1)},${yMs(b.p95).toFixed(1)}`))
    .filter((p): p is string => p !== null);
  const labelEvery = range === "24h" ? 6 : 24;
  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="delivery-chart" role="img" aria-label="Deliveries per hour">
      <line x1={PAD.left} x2={W - PAD.right} y1={PAD.top + plotH} y2={PAD.top + plotH} className="axis" />
      <text x={PAD.left - 4} y={PAD.top + 8} textAnchor="end" className="tick">
        {maxCount}
      </text>
      <text x={PAD.left - 4} y={PAD.top + plotH} textAnchor="end" className="tick">
        0
      </text>
      <text x={W - PAD.right + 4} y={PAD.top + 8} className="tick p95">
        {formatMs(maxMs)}
      </text>
      {buckets.map((b, i) => {
        const x = PAD.left + i * slot + (slot - barW) / 2;
        const total = b.delivered + b.failed;
        return (
          <g key={b.hour} data-hour={b.hour}>
            <title>
              {`${formatDateTime(b.hour)}: ${b.delivered} delivered, ${b.failed} failed requests` +
                (b.p50 !== null ? `, p50 ${formatMs(b.p50)}, p95 ${formatMs(b.p95)}` : "")}
            </title>
            {/* A transparent full-height hit area keeps empty hours hoverable. */}
            <rect x={PAD.left + i * slot} y={PAD.top} width={slot} height={plotH} fill="transparent" />
            {b.delivered > 0 && <rect className="bar-delivered" x={x} y={y(b.delivered)} width={barW} height={y(0) - y(b.delivered)} />}
            {b.failed > 0 && <rect className="bar-failed" x={x} y={y(total)} width={barW} height={y(b.delivered) - y(total)} />}
            {i % labelEvery === 0 && (
              <text x={PAD.left + i * slot} y={H - 6} className="tick">
                {hourLabel(b.hour, range)}
              </text>
            )}
          </g>
        );
      })}
      {line.length > 1 && <polyline className="p95-line" points={line.join(" ")} fill="none" />}
      {line.length === 1 && line[0] && <circle className="p95-dot" cx={line[0].split(",")[0]} cy={line[0].split(",")[1]} r={3} />}
    </svg>
  );
}

/** Deliveries of one webhook for its form, counted in requests: chart, health and log counts with links. */
export function WebhookDeliveryPanel({ name }: { name: string }) {
  const [range, setRange] = useState<Range>("24h");
  const q = useQuery(webhookStatsQuery(name, range));
  const s = q.data;
  const logs = (status?: string) =>
    `/app/webhook-request-log?webhook=${encodeURIComponent(name)}${status ? `&status=${encodeURIComponent(status)}` : ""}`;
  return (
    <section className="card delivery-panel" aria-label="Deliveries">
      <div className="row" style={{ marginBottom: 8 }}>
        <div className="section-title" style={{ margin: 0 }}>
          Deliveries
        </div>
        {s?.health.flagged && <Indicator color="red">Failing</Indicator>}
        <span className="row" style={{ marginLeft: "auto" }} role="group" aria-label="Range">
          {(["24h", "7d"] as const).map((r) => (
            <button
              key={r}
              type="button"
              className={`btn btn-sm${range === r ? " btn-primary" : ""}`}
              aria-pressed={range === r}
              onClick={() => setRange(r)}
            >
              {r === "24h" ? "24 hours" : "7 days"}
            </button>
          ))}
        </span>
      </div>
      {q.error ? (
        <div className="alert alert-error">{q.error.message}</div>
      ) : !s ? (
        <div className="muted">Loading…</div>
      ) : (
        <>
          <Chart buckets={s.buckets} range={s.range} />
          <div className="row chart-legend muted">
            <span className="swatch delivered" /> Delivered {s.totals.delivered}
            <span className="swatch failed" /> Failed {s.totals.failed}
            <span>requests</span>
            <span className="swatch p95" /> p95 duration
            <span>
              p50 {formatMs(s.totals.p50) || "—"} · p95 {formatMs(s.totals.p95) || "—"}
            </span>
          </div>
          <dl className="kv" style={{ marginTop: 12 }}>
            <dt>Health</dt>
            <dd data-testid="webhook-health">
              {s.health.flagged ? (
                <Indicator color="red">Failing</Indicator>
              ) : s.health.consecutiveFailures > 0 ? (
                <Indicator color="orange">Recent failures</Indicator>
              ) : (
                <Indicator color="green">Healthy</Indicator>
              )}
            </dd>
            <dt>Consecutive failures</dt>
            <dd data-testid="consecutive-failures">{s.health.consecutiveFailures}</dd>
            <dt>Last success</dt>
            <dd title={s.health.lastSuccess ? formatDateTime(s.health.lastSuccess) : undefined}>
              {s.health.lastSuccess ? timeAgo(s.health.lastSuccess) : "never"}
            </dd>
            <dt>Request Logs</dt>
            <dd className="row">
              <Link href={logs()}>All {Object.values(s.counts).reduce((a, b) => a + b, 0)}</Link>
              {Object.values(LOG_STATUS).map((st) => (
                <Link key={st} href={logs(st)} className="status-count">
                  <Indicator color={statusColor(st)}>
                    {st} {s.counts[st] ?? 0}
                  </Indicator>
                </Link>
              ))}
            </dd>
          </dl>
        </>
      )}
    </section>
  );
}
