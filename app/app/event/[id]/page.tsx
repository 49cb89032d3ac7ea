import Link from "next/link";
import { orNotFound, requireDeskPage } from "@/lib/auth/guard";
import { getEvent, reasonText, valuesText } from "@/lib/services/event/event-log";
import { formatDateTime } from "@/lib/format";
import { pageParam } from "@/lib/services/frappe-rest/adapter";
import { statusColor } from "@/lib/log-status";
import { Indicator, PageHead } from "@/components/desk/page-head";

export const dynamic = "force-dynamic";

/** The tab shows the document and its DocType, as Frappe's desk does. */
export async function generateMetadata({ params }: { params: Promise<{ id: string }> }) {
  return { title: `${pageParam((await params).id)} · Event` };
}

/** The routing trail: for every webhook on the DocType, whether this event fired it and why not. */
export default async function EventPage({ params }: { params: Promise<{ id: string }> }) {
  const { id: raw } = await params;
  const id = pageParam(raw);
  const actor = await requireDeskPage(`/app/event/${raw}`);
  const e = await orNotFound(() => getEvent(actor, id));
  const logStatus = new Map(e.logs.map((l) => [l.name, l.status]));
  return (
    <>
      <PageHead
        title={`${e.event} · ${e.doctype} ${e.docname}`}
        breadcrumbs={[
          { label: "Integrations", href: "/app" },
          { label: "Event", href: "/app/event" },
        ]}
      />
      <div className="card">
        <dl className="kv">
          <dt>ID</dt>
          <dd className="mono">{e.id}</dd>
          <dt>DocType</dt>
          <dd>{e.doctype}</dd>
          <dt>Document</dt>
          <dd>
            <Link href={`/app/document/${encodeURIComponent(e.doctype)}/${encodeURIComponent(e.docname)}`}>{e.docname}</Link>
          </dd>
          <dt>Event</dt>
          <dd>{e.event}</dd>
          <dt>User</dt>
          <dd>{e.user ?? ""}</dd>
          <dt>Posted By</dt>
          <dd>{e.postedBy ?? ""}</dd>
          <dt>Created</dt>
          <dd>{formatDateTime(e.created)}</dd>
        </dl>
      </div>
      <div className="card">
        <div className="section-title">Routing</div>
        {e.routing.length === 0 ? (
          <div className="muted">No webhooks were set up on {e.doctype} when this event arrived.</div>
        ) : (
          <table className="grid-table routing-trail" aria-label="Routing">
            <thead>
              <tr>
                <th>Webhook</th>
                <th>Matched</th>
                <th>Reason</th>
                <th>Condition</th>
                <th>Values read</th>
                <th>Request Log</th>
              </tr>
            </thead>
            <tbody>
              {e.routing.map((r, i) => {
                const status = r.request_log ? logStatus.get(r.request_log) : undefined;
                return (
                  <tr key={`${r.webhook}-${i}`} data-webhook={r.webhook}>
                    <td>
                      <Link href={`/app/webhook/${encodeURIComponent(r.webhook)}`}>{r.webhook}</Link>
                    </td>
                    <td>{r.matched ? <Indicator color="green">Yes</Indicator> : <Indicator color="gray">No</Indicator>}</td>
                    <td>{reasonText(r, e.subscribed[r.webhook])}</td>
                    <td>{r.condition ? <code>{r.condition}</code> : ""}</td>
                    <td>
                      {valuesText(r.values).map((line) => (
                        <div key={line} className="mono">
                          {line}
                        </div>
                      ))}
                    </td>
                    <td>
                      {r.request_log ? (
                        <span className="row">
                          <Link href={`/app/webhook-request-log/${encodeURIComponent(r.request_log)}`}>{r.request_log}</Link>
                          {status && <Indicator color={statusColor(status)}>{status}</Indicator>}
                        </span>
                      ) : (
                        ""
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </div>
    </>
  );
}
