import Link from "next/link";
import { requireDeskPage } from "@/lib/auth/guard";
import { AppError } from "@/lib/errors";
import { ACTIVITY_FILTER_KEYS, activityOperations, countActivity, listActivity, type ActivityPage } from "@/lib/services/user/activity-log";
import { formatCount } from "@/lib/services/frappe-rest/keyset";
import { formatDateTime, timeAgo } from "@/lib/format";
import { Indicator, PageHead } from "@/components/desk/page-head";
import { ListView, param, withParams, type SearchParams } from "@/components/desk/list-view";
import { operationColor, subjectHref } from "./activity-display";
import css from "./page.module.css";

export const dynamic = "force-dynamic";
export const metadata = { title: "Activity Log" };

const BASE = "/app/activity-log";

function Clip({ text }: { text: string }) {
  return (
    <span className={css.clip} title={text}>
      {text}
    </span>
  );
}

export default async function ActivityLogList({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const actor = await requireDeskPage("/app/activity-log");
  const params = await searchParams;
  const filters = Object.fromEntries(ACTIVITY_FILTER_KEYS.map((k) => [k, param(params, k)]));
  let page: ActivityPage = { rows: [] };
  let count = { count: 0, capped: false };
  let problem: string | null = null;
  try {
    [page, count] = await Promise.all([
      listActivity(actor, filters, { cursor: param(params, "cursor") || null }),
      countActivity(actor, filters),
    ]);
  } catch (e) {
    // A hand-edited URL (bad date or cursor) shows the reason, not an error page.
    if (!(e instanceof AppError) || e.status >= 500) throw e;
    problem = e.message;
  }
  const now = Date.now();
  return (
    <>
      {/* No New/Add: entries are written by the server as things happen, never by hand. */}
      <PageHead title="Activity Log" breadcrumbs={[{ label: "Setup", href: "/app" }]} />
      {problem && (
        <div className="alert alert-error" role="alert">
          {problem}
        </div>
      )}
      <ListView
        basePath={BASE}
        params={params}
        rows={page.rows}
        rowKey={(r) => String(r.id)}
        prevHref={page.prev ? withParams(BASE, params, { cursor: page.prev }) : undefined}
        nextHref={page.next ? withParams(BASE, params, { cursor: page.next }) : undefined}
        toolbar={
          <span className="muted" data-testid="list-count">
            {page.rows.length} of {formatCount(count)}
          </span>
        }
        filters={[
          { name: "operation", label: "Operation", type: "select", options: activityOperations().map((o) => ({ value: o, label: o })) },
          { name: "user", label: "User", type: "text" },
          { name: "subject", label: "Subject", type: "text" },
          { name: "ip", label: "Address", type: "text" },
          { name: "from", label: "From date", type: "date" },
          { name: "to", label: "To date", type: "date" },
        ]}
        columns={[
          {
            key: "at",
            label: "When",
            render: (r) => (
              <span className={css.when}>
                <time dateTime={new Date(r.at).toISOString()}>{formatDateTime(r.at)}</time>
                <span className="muted">{timeAgo(r.at, now)}</span>
              </span>
            ),
          },
          { key: "operation", label: "Operation", render: (r) => <Indicator color={operationColor(r.operation)}>{r.operation}</Indicator> },
          { key: "actor", label: "User", render: (r) => <Clip text={r.actor} /> },
          {
            key: "subject",
            label: "Subject",
            render: (r) => {
              const href = subjectHref(r.subject);
              return href ? (
                <Link className={css.clip} href={href} title={r.subject}>
                  {r.subject}
                </Link>
              ) : (
                <Clip text={r.subject} />
              );
            },
          },
          { key: "detail", label: "Details", render: (r) => <Clip text={r.detail} /> },
          { key: "ip", label: "Address", render: (r) => r.ip },
        ]}
        empty="No activity recorded yet. Sign-ins, API keys, user and role changes and webhook secret changes appear here."
      />
    </>
  );
}
