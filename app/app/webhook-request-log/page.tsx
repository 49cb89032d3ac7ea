import Link from "next/link";
import { requireDeskPage } from "@/lib/auth/guard";
import { AppError } from "@/lib/errors";
import { countLogs, formatCount, listLogs, LOG_STATUSES, webhookNames, type LogPage } from "@/lib/services/request-log/request-log";
import { filtersFromQuery } from "@/lib/services/request-log/request-log-http";
import { formatDateTime, timeAgo } from "@/lib/format";
import { statusColor } from "@/lib/log-status";
import { Indicator, PageHead } from "@/components/desk/page-head";
import { ListSidebar } from "@/components/desk/list-sidebar";
import { ListView, param, withParams, type SearchParams } from "@/components/desk/list-view";
import type { FilterDef } from "@/components/desk/list-filters";
import { BulkResend } from "./_components/bulk-resend";
import css from "./page.module.css";

export const dynamic = "force-dynamic";
export const metadata = { title: "Webhook Request Log" };

const BASE = "/app/webhook-request-log";

function Clip({ text, className = css.clip }: { text: string | null; className?: string | undefined }) {
  return (
    <span className={className} title={text ?? ""}>
      {text ?? ""}
    </span>
  );
}

export default async function RequestLogList({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const actor = await requireDeskPage(BASE);
  const params = await searchParams;
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (typeof v === "string") query.set(k, v);
  const filters = filtersFromQuery(query);
  const order = param(params, "order") === "asc" ? "asc" : "desc";
  let page: LogPage = { rows: [] };
  let count = { count: 0, capped: false };
  // The sidebar: every status's count under the other filters (capped, as the list's count is);
  // the list's own count is one of them (the chosen status's, or All's).
  const { status: chosen, ...others } = filters;
  let all: typeof count | undefined;
  let byStatus: { status: string; count: typeof count }[] = [];
  let problem: string | null = null;
  try {
    let counts: (typeof count)[];
    [page, ...counts] = await Promise.all([
      listLogs(actor, filters, { cursor: param(params, "cursor") || null, order }),
      countLogs(actor, others),
      ...LOG_STATUSES.map((s) => countLogs(actor, { ...others, status: s })),
    ]);
    all = counts[0];
    byStatus = LOG_STATUSES.map((s, i) => ({ status: s, count: counts[i + 1] ?? { count: 0, capped: false } }));
    count = (chosen ? byStatus.find((b) => b.status === chosen)?.count : all) ?? count;
  } catch (e) {
    // A hand-edited URL (bad date, status or cursor) shows the reason, not an error page.
    if (!(e instanceof AppError) || e.status >= 500) throw e;
    problem = e.message;
  }
  const hooks = await webhookNames(actor);
  const now = Date.now();
  const webhookFilter: FilterDef =
    hooks.length <= 200
      ? { name: "webhook", label: "Webhook", type: "select", options: hooks.map((h) => ({ value: h, label: h })) }
      : { name: "webhook", label: "Webhook", type: "text" };
  return (
    <>
      {/* No New/Add: log rows are written by the dispatcher only, as in Frappe. */}
      <PageHead title="Webhook Request Log" breadcrumbs={[{ label: "Integrations", href: "/app" }]} />
      {problem && (
        <div className="alert alert-error" role="alert">
          {problem}
        </div>
      )}
      <div className={css.compact}>
        <ListSidebar
          bar
          title="Status"
          items={[
            {
              label: "All",
              count: all ? formatCount(all) : "",
              href: withParams(BASE, params, { status: undefined, cursor: undefined }),
              active: !chosen,
            },
            ...byStatus.map((b) => ({
              label: b.status,
              count: formatCount(b.count),
              href: withParams(BASE, params, { status: b.status, cursor: undefined }),
              active: chosen === b.status,
            })),
          ]}
        />
        <ListView
          basePath={BASE}
          params={params}
          rows={page.rows}
          rowKey={(r) => r.name}
          sort={{ field: "created", order }}
          prevHref={page.prev ? withParams(BASE, params, { cursor: page.prev }) : undefined}
          nextHref={page.next ? withParams(BASE, params, { cursor: page.next }) : undefined}
          toolbar={
            <div className="row">
              <span className="muted" data-testid="list-count">
                {page.rows.length} of {formatCount(count)}
              </span>
              <BulkResend filters={filters} />
            </div>
          }
          filters={[
            webhookFilter,
            { name: "status", label: "Status", type: "select", options: LOG_STATUSES.map((s) => ({ value: s, label: s })) },
            { name: "reference_doctype", label: "Reference DocType", type: "text" },
            { name: "reference_document", label: "Reference Document", type: "text" },
            { name: "user", label: "User", type: "text" },
            { name: "from", label: "From date", type: "date" },
            { name: "to", label: "To date", type: "date" },
          ]}
          columns={[
            {
              key: "name",
              label: "Name",
              render: (r) => (
                <span className="row" style={{ flexWrap: "nowrap" }}>
                  <input type="checkbox" className="bulk-select" data-bulk-select value={r.name} aria-label={`Select ${r.name}`} />
                  <Link className={css.name} href={`${BASE}/${encodeURIComponent(r.name)}`} title={r.name}>
                    {r.name}
                  </Link>
                  {r.isTest ? <Indicator color="blue">Test</Indicator> : null}
                </span>
              ),
            },
            // Key columns first: on a phone the list scrolls sideways from the name and the status.
            { key: "status", label: "Status", render: (r) => <Indicator color={statusColor(r.status)}>{r.status}</Indicator> },
            { key: "webhook", label: "Webhook", render: (r) => <Clip text={r.webhook} /> },
            { key: "reference_doctype", label: "Reference DocType", render: (r) => <Clip text={r.referenceDoctype} /> },
            { key: "reference_document", label: "Reference Document", render: (r) => <Clip text={r.referenceDocument} /> },
            { key: "http_status", label: "HTTP Status", render: (r) => r.httpStatus ?? "" },
            { key: "attempts", label: "Attempts", render: (r) => r.attempts },
            { key: "url", label: "URL", render: (r) => <Clip className={css.url} text={r.url} /> },
            {
              key: "created",
              label: "Created",
              sortable: true,
              render: (r) => (
                <span className="row" style={{ flexWrap: "nowrap" }}>
                  <time dateTime={new Date(r.created).toISOString()} title={formatDateTime(r.created)}>
                    {timeAgo(r.created, now)}
                  </time>
                  {r.event && (
                    <Link className="muted" href={`/app/event/${encodeURIComponent(r.event)}`} title="Why did it fire?">
                      Event
                    </Link>
                  )}
                </span>
              ),
            },
          ]}
          empty="No requests logged yet. They appear here when a webhook fires."
        />
      </div>
    </>
  );
}
