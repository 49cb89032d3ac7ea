"use client";

import { queryOptions, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { api } from "@/lib/api-client";
import { timeAgo } from "@/lib/format";
import type { AlertView } from "@/lib/services/alert/alert.schema";

/** The bell's cache key and fetch. */
const alertsQuery = () =>
  queryOptions({
    queryKey: ["alerts"],
    queryFn: () => api<{ data: { unread: number; alerts: AlertView[] } }>("/api/alerts?limit=20").then((r) => r.data),
    refetchInterval: 15_000,
  });

/** The desk top bar's notification bell (System Managers): unread count, the newest alerts, mark as read. */
export function AlertBell() {
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const client = useQueryClient();
  const { data } = useQuery(alertsQuery());
  const unread = data?.unread ?? 0;
  const mark = useMutation({
    mutationFn: (body: { ids: string[] } | { all: true }) => api("/api/alerts/read", { method: "POST", body }),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["alerts"] }),
  });

  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent | KeyboardEvent) => {
      if (e instanceof KeyboardEvent ? e.key === "Escape" : !box.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", close);
    document.addEventListener("keydown", close);
    return () => {
      document.removeEventListener("mousedown", close);
      document.removeEventListener("keydown", close);
    };
  }, [open]);

  const label = `Alerts, ${unread} unread`;
  return (
    <div className="alert-bell" ref={box}>
      <button
        type="button"
        className="btn btn-icon"
        aria-label={label}
        aria-expanded={open}
        aria-controls="alert-bell-list"
        onClick={() => setOpen((o) => !o)}
      >
        <svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2">
          <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
          <path d="M13.7 21a2 2 0 0 1-3.4 0" />
        </svg>
        {unread > 0 && (
          <span className="alert-bell-count" aria-hidden="true">
            {unread > 99 ? "99+" : unread}
          </span>
        )}
      </button>
      {/* A live region without role="status": the desk's toasts are the page's one status. */}
      <span className="sr-only" aria-live="polite">
        {unread ? `${unread} unread alert${unread === 1 ? "" : "s"}` : ""}
      </span>
      {open && (
        <div className="alert-bell-menu" id="alert-bell-list" role="region" aria-label="Alerts">
          <div className="row alert-bell-head">
            <b>Alerts</b>
            <span className="spacer" />
            <button type="button" className="btn btn-sm" disabled={!unread || mark.isPending} onClick={() => mark.mutate({ all: true })}>
              Mark all as read
            </button>
          </div>
          {data?.alerts.length ? (
            <ul className="alert-bell-items">
              {data.alerts.map((a) => (
                <li key={a.id} className={a.read ? "read" : "unread"}>
                  <div>
                    {a.webhook ? <Link href={`/app/webhook/${encodeURIComponent(a.webhook)}`}>{a.subject}</Link> : a.subject}
                    <div className="muted">
                      {a.event} · {timeAgo(a.created)}
                      {a.read ? " · read" : ""}
                    </div>
                  </div>
                  {!a.read && (
                    <button
                      type="button"
                      className="btn btn-sm"
                      aria-label={`Mark as read: ${a.subject}`}
                      disabled={mark.isPending}
                      onClick={() => mark.mutate({ ids: [a.id] })}
                    >
                      Mark as read
                    </button>
                  )}
                </li>
              ))}
            </ul>
          ) : (
            <div className="empty">No alerts</div>
          )}
          <div className="alert-bell-foot">
            <Link href="/app/alert" onClick={() => setOpen(false)}>
              All alerts and their emails and webhooks
            </Link>
          </div>
        </div>
      )}
    </div>
  );
}
