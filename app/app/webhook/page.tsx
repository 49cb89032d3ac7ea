import Link from "next/link";
import { ListView, pageOf, pagerHrefs, param, type SearchParams } from "@/components/desk/list-view";
import { Indicator, PageHead } from "@/components/desk/page-head";
import { requireDeskPage } from "@/lib/auth/guard";
import { DOC_EVENTS } from "@/lib/constants";
import { listWebhooks, webhookDoctypes, type WebhookSummary } from "@/lib/services/webhook/webhooks";

export const dynamic = "force-dynamic";
export const metadata = { title: "Webhook" };

const SORTABLE = new Set(["name", "webhook_doctype", "webhook_docevent", "modified"]);

export default async function WebhookList({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const actor = await requireDeskPage("/app/webhook");
  const params = await searchParams;
  const { page, limit, offset } = pageOf(params);
  const sortField = SORTABLE.has(param(params, "sort")) ? param(params, "sort") : "modified";
  const order = param(params, "order") === "asc" ? "asc" : "desc";
  const filters: [string, string, unknown][] = [];
  for (const f of ["webhook_doctype", "webhook_docevent"]) if (param(params, f)) filters.push([f, "=", param(params, f)]);
  if (param(params, "enabled")) filters.push(["enabled", "=", param(params, "enabled") === "1"]);
  const { data, total } = await listWebhooks(actor, {
    q: param(params, "search") || undefined,
    filters,
    limit,
    offset,
    orderBy: `${sortField} ${order}`,
  });
  const doctypes = await webhookDoctypes(actor);

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
      <ListView<WebhookSummary>
        basePath="/app/webhook"
        params={params}
        rows={data}
        total={total}
        {...pagerHrefs("/app/webhook", params, page, limit, total)}
        sort={{ field: sortField, order }}
        rowKey={(w) => w.name}
        rowHref={(w) => `/app/webhook/${encodeURIComponent(w.name)}`}
        filters={[
          { name: "search", label: "Search", type: "text" },
          { name: "webhook_doctype", label: "DocType", type: "select", options: doctypes.map((d) => ({ value: d.name, label: d.name })) },
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
          { key: "name", label: "Name", sortable: true, render: (w) => w.name },
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
        ]}
        empty={
          <>
            No Webhook yet. <Link href="/app/webhook/new">Create your first Webhook</Link> to send document events to another system.
          </>
        }
      />
    </>
  );
}
