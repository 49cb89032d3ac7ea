import Link from "next/link";
import { orNotFound, requireDeskPage } from "@/lib/auth/guard";
import { getStoredDocument } from "@/lib/services/event/event-log";
import { prettyJson } from "@/lib/services/request-log/request-log";
import { formatDateTime } from "@/lib/format";
import { pageParam } from "@/lib/services/frappe-rest/adapter";
import { Indicator, PageHead } from "@/components/desk/page-head";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ doctype: string; name: string }> }) {
  const p = await params;
  return { title: `${pageParam(p.name)} · ${pageParam(p.doctype)}` };
}

/** A host document as last posted to /api/events (read-only: the host app owns it). */
export default async function StoredDocumentPage({ params }: { params: Promise<{ doctype: string; name: string }> }) {
  const p = await params;
  const doctype = pageParam(p.doctype);
  const name = pageParam(p.name);
  const actor = await requireDeskPage(`/app/document/${p.doctype}/${p.name}`);
  const doc = await orNotFound(() => getStoredDocument(actor, doctype, name));
  return (
    <>
      <PageHead
        title={`${doc.doctype} ${doc.name}`}
        breadcrumbs={[{ label: doc.doctype, href: `/app/doctype/${encodeURIComponent(doc.doctype)}` }]}
        indicator={doc.deleted ? <Indicator color="red">Deleted</Indicator> : undefined}
        actions={
          <Link
            className="btn"
            href={`/app/webhook-request-log?reference_doctype=${encodeURIComponent(doc.doctype)}&reference_document=${encodeURIComponent(doc.name)}`}
          >
            Request Logs
          </Link>
        }
      />
      <div className="card">
        <div className="section-title">Stored document</div>
        <p className="muted">Last posted {formatDateTime(doc.modified)}.</p>
        <pre className="codeview" aria-label="Document">
          {prettyJson(doc.data)}
        </pre>
      </div>
      <div className="card">
        <div className="section-title">Recent events</div>
        <ul>
          {doc.events.map((e) => (
            <li key={e.id}>
              <Link href={`/app/event/${encodeURIComponent(e.id)}`}>{e.event}</Link>{" "}
              <span className="muted">{formatDateTime(e.created)}</span>
            </li>
          ))}
        </ul>
      </div>
    </>
  );
}
