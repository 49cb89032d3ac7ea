import Link from "next/link";
import { ListSidebar } from "@/components/desk/list-sidebar";
import { ListView, pageOf, pagerHrefs, param, withParams, type SearchParams } from "@/components/desk/list-view";
import { SortPicker } from "@/components/desk/sort-picker";
import { Indicator, PageHead } from "@/components/desk/page-head";
import { requireDeskPage } from "@/lib/auth/guard";
import { DOC_EVENTS } from "@/lib/constants";
import { formatDateTime, timeAgo } from "@/lib/format";
import { listWebhooks, webhookDoctypes, type WebhookSummary } from "@/lib/services/webhook/webhooks";
import { WebhookBulkActions } from "./_components/webhook-bulk-actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "Webhook" };

const SORT_FIELDS = [
  { value: "modified", label: "Last Updated On" },
  { value: "name", label: "Name" },
  { value: "webhook_doctype", label: "DocType" },
  { value: "webhook_docevent", label: "Doc Event" },
];
const SORTABLE = new Set(SORT_FIELDS.map((f) => f.value));

export default async function WebhookList({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const actor = await requireDeskPage("/app/webhook");
  const params = await searchParams;
  const { page, limit, offset } = pageOf(params);
  const sortField = SORTABLE.has(param(params, "sort")) ? param(params, "sort") : "modified";
  const order = param(params, "order") === "asc" ? "asc" : "desc";
  const filters: [string, string, unknown][] = [];
  for (const f of ["webhook_doctype", "webhook_docevent"]) if (param(params, f)) filters.push([f, "=", param(params, f)]);
  const q = param(params, "search") || undefined;
  const enabled = param(params, "enabled");
  const { data, total } = await listWebhooks(actor, {
    q,
    filters: enabled ? [...filters, ["enabled", "=", enabled === "1"]] : filters,
    limit,
    offset,
    orderBy: `${sortField} ${order}`,
  });
  const doctypes = await webhookDoctypes(actor);
  // The sidebar: how many the other filters leave, enabled and disabled.
  const countWhere = async (on: boolean) => (await listWebhooks(actor, { q, filters: [...filters, ["enabled", "=", on]], limit: 1 })).total;
  const [enabledCount, disabledCount] = await Promise.all([countWhere(true), countWhere(false)]);
  const now = Date.now();

  return (
    <>
      <PageHead
        title="Webhook"
        breadcrumbs={[{ label: "Integrations", href: "/app" }]}
        actions={
          <Link className="btn btn-primary" href="/app/webhook/new">
            + Add Webhook
          </Link>
        }
      />
      <div className="list-with-sidebar">
        <ListSidebar
          title="Enabled"
          items={[
            {
              label: "All",
              count: enabledCount + disabledCount,
              href: withParams("/app/webhook", params, { enabled: undefined, page: undefined }),
              active: !enabled,
            },
            {
              label: "Enabled",
              count: enabledCount,
              href: withParams("/app/webhook", params, { enabled: "1", page: undefined }),
              active: enabled === "1",
            },
            {
              label: "Disabled",
              count: disabledCount,
              href: withParams("/app/webhook", params, { enabled: "0", page: undefined }),
              active: enabled === "0",
            },
          ]}
        />
        <div className="list-main">
          <ListView<WebhookSummary>
            basePath="/app/webhook"
            params={params}
            rows={data}
            total={total}
            {...pagerHrefs("/app/webhook", params, page, limit, total)}
            sort={{ field: sortField, order }}
            rowKey={(w) => w.name}
            rowHref={(w) => `/app/webhook/${encodeURIComponent(w.name)}`}
            toolbar={
              <div className="row">
                {/* Remounted with the list (a sort or filter): nothing stays checked for rows that left. */}
                <WebhookBulkActions key={JSON.stringify(params)} />
                <SortPicker basePath="/app/webhook" params={params} fields={SORT_FIELDS} field={sortField} order={order} />
              </div>
            }
            filters={[
              { name: "search", label: "Search", type: "text" },
              {
                name: "webhook_doctype",
                label: "DocType",
                type: "select",
                options: doctypes.map((d) => ({ value: d.name, label: d.name })),
              },
              { name: "webhook_docevent", label: "Doc Event", type: "select", options: DOC_EVENTS.map((e) => ({ value: e, label: e })) },
              {
                name: "enabled",
                label: "Enabled",
                type: "select",
                options: [
                  { value: "1", label: "Enabled" },
                  { value: "0", label: "Disabled" },
                ],
              },
            ]}
            columns={[
              {
                key: "name",
                label: "Name",
                sortable: true,
                render: (w) => w.name,
                before: (w) => (
                  <input type="checkbox" className="bulk-select" data-bulk-select value={w.name} aria-label={`Select ${w.name}`} />
                ),
              },
              { key: "webhook_doctype", label: "DocType", sortable: true, render: (w) => w.webhook_doctype },
              {
                key: "webhook_docevent",
                label: "Doc Event",
                sortable: true,
                render: (w) => (w.webhook_events.length > 1 ? w.webhook_events.join(", ") : w.webhook_docevent),
              },
              { key: "request_url", label: "Request URL", render: (w) => <span className="mono">{w.request_url}</span> },
              {
                key: "enabled",
                label: "Enabled",
                render: (w) => (w.enabled ? <Indicator color="green">Enabled</Indicator> : <Indicator color="gray">Disabled</Indicator>),
              },
              {
                key: "modified",
                label: "Last Updated On",
                sortable: true,
                render: (w) => (
                  <time dateTime={new Date(w.modified).toISOString()} title={formatDateTime(w.modified)}>
                    {timeAgo(w.modified, now)}
                  </time>
                ),
              },
            ]}
            empty={
              <>
                No Webhook yet. <Link href="/app/webhook/new">Create your first Webhook</Link> to send document events to another system.
              </>
            }
          />
        </div>
      </div>
    </>
  );
}
