import Link from "next/link";
import { requireDeskPage } from "@/lib/auth/guard";
import { DOC_EVENTS } from "@/lib/constants";
import { listEvents } from "@/lib/services/event/event-log";
import { formatDateTime } from "@/lib/format";
import { Indicator, PageHead } from "@/components/desk/page-head";
import { ListView, param, withParams, type SearchParams } from "@/components/desk/list-view";

export const dynamic = "force-dynamic";
export const metadata = { title: "Event" };

const BASE = "/app/event";

export default async function EventList({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const actor = await requireDeskPage(BASE);
  const params = await searchParams;
  const page = await listEvents(
    actor,
    { doctype: param(params, "doctype"), docname: param(params, "docname"), event: param(params, "event"), user: param(params, "user") },
    { cursor: param(params, "cursor") || null },
  );
  return (
    <>
      <PageHead title="Event" breadcrumbs={[{ label: "Integrations", href: "/app" }]} />
      <ListView
        basePath={BASE}
        params={params}
        rows={page.rows}
        rowKey={(e) => e.id}
        rowHref={(e) => `${BASE}/${encodeURIComponent(e.id)}`}
        prevHref={page.prev ? withParams(BASE, params, { cursor: page.prev }) : undefined}
        nextHref={page.next ? withParams(BASE, params, { cursor: page.next }) : undefined}
        filters={[
          { name: "doctype", label: "DocType", type: "text" },
          { name: "docname", label: "Document", type: "text" },
          { name: "event", label: "Event", type: "select", options: DOC_EVENTS.map((e) => ({ value: e, label: e })) },
          { name: "user", label: "User", type: "text" },
        ]}
        columns={[
          { key: "id", label: "ID", render: (e) => e.id },
          { key: "doctype", label: "DocType", render: (e) => e.doctype },
          {
            key: "docname",
            label: "Document",
            render: (e) => (
              <Link href={`/app/document/${encodeURIComponent(e.doctype)}/${encodeURIComponent(e.docname)}`}>{e.docname}</Link>
            ),
          },
          { key: "event", label: "Event", render: (e) => e.event },
          { key: "user", label: "User", render: (e) => e.user ?? "" },
          {
            key: "matched",
            label: "Matched",
            render: (e) => (
              <Indicator color={e.matched ? "green" : "gray"}>
                {e.matched} of {e.webhooks}
              </Indicator>
            ),
          },
          { key: "created", label: "Created", render: (e) => formatDateTime(e.created) },
        ]}
        empty="No events received yet. Host apps post them to /api/events."
      />
    </>
  );
}
