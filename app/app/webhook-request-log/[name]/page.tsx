import Link from "next/link";
import type { ReactNode } from "react";
import { orNotFound, requireDeskPage } from "@/lib/auth/guard";
import { getLog, prettyJson } from "@/lib/services/request-log/request-log";
import { formatDateTime, timeAgo } from "@/lib/format";
import { pageParam } from "@/lib/services/frappe-rest/adapter";
import { formatMs, statusColor } from "@/lib/log-status";
import { HELD_TEXT } from "@/lib/constants";
import { Indicator, PageHead } from "@/components/desk/page-head";
import { LogActions } from "../_components/log-actions";
import { VerifyDelivery } from "../_components/verify-delivery";

export const dynamic = "force-dynamic";

/** The tab shows the document and its DocType, as Frappe's desk does. */
export async function generateMetadata({ params }: { params: Promise<{ name: string }> }) {
  return { title: `${pageParam((await params).name)} · Webhook Request Log` };
}

const EXCERPT = 300;
const fieldId = (label: string) => `f-${label.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;

/** The value's accessible name comes from its <dt> (aria-labelledby on the <dd>). */
function Code({ text }: { text: string | null }) {
  return text ? <pre className="codeview">{prettyJson(text)}</pre> : <span className="muted">—</span>;
}

export default async function RequestLogPage({ params }: { params: Promise<{ name: string }> }) {
  const { name: raw } = await params;
  const name = pageParam(raw);
  const actor = await requireDeskPage(`/app/webhook-request-log/${raw}`);
  const log = await orNotFound(() => getLog(actor, name));
  const ref = log.referenceDoctype && log.referenceDocument;
  const fields: [string, ReactNode][] = [
    ["Webhook", log.webhook ? <Link href={`/app/webhook/${encodeURIComponent(log.webhook)}`}>{log.webhook}</Link> : ""],
    ["Reference DocType", log.referenceDoctype ?? ""],
    [
      "Reference Document",
      ref ? (
        <Link href={`/app/document/${encodeURIComponent(log.referenceDoctype ?? "")}/${encodeURIComponent(log.referenceDocument ?? "")}`}>
          {log.referenceDocument}
        </Link>
      ) : (
        (log.referenceDocument ?? "")
      ),
    ],
    ["Headers", <Code key="h" text={log.headersText} />],
    ["Data", <Code key="d" text={log.data} />],
    ["User", log.user ?? ""],
    ["URL", log.url ?? ""],
    ["Response", <Code key="r" text={log.response} />],
    ["Error", log.error ? <pre className="codeview error-text">{log.error}</pre> : ""],
    [
      "Status",
      <Indicator key="s" color={statusColor(log.status)}>
        {log.status}
      </Indicator>,
    ],
    ["HTTP Status", log.httpStatus ?? ""],
    ["Attempts", log.attempts],
    ["Duration", formatMs(log.durationMs)],
    [
      "Next Retry",
      log.held ? (
        HELD_TEXT
      ) : log.waitingFor ? (
        // Send in Order per Document: sent once the document's earlier request has ended.
        <span key="w">
          waiting for <Link href={`/app/webhook-request-log/${encodeURIComponent(log.waitingFor)}`}>{log.waitingFor}</Link>, an earlier
          request of {log.referenceDocument}
        </span>
      ) : log.nextRetry ? (
        `${formatDateTime(log.nextRetry)} (${timeAgo(log.nextRetry)})`
      ) : (
        ""
      ),
    ],
    ["Created", formatDateTime(log.created)],
  ];
  return (
    <>
      <PageHead
        title={log.name}
        breadcrumbs={[
          { label: "Integrations", href: "/app" },
          { label: "Webhook Request Log", href: "/app/webhook-request-log" },
        ]}
        indicator={
          <>
            <Indicator color={statusColor(log.status)}>{log.status}</Indicator>
            {log.isTest && <Indicator color="blue">Test</Indicator>}
          </>
        }
        actions={
          <>
            {log.event && (
              <Link className="btn" href={`/app/event/${encodeURIComponent(log.event)}`}>
                View Event
              </Link>
            )}
            <LogActions name={log.name} pending={log.sendingSoon} />
          </>
        }
      />
      <div className="card">
        <dl className="kv">
          {fields.map(([label, value]) => (
            <div key={label} className="kv-row" data-field={label}>
              <dt id={fieldId(label)}>{label}</dt>
              <dd aria-labelledby={fieldId(label)}>{value}</dd>
            </div>
          ))}
        </dl>
      </div>
      <div className="card">
        <div className="section-title">Attempts</div>
        {log.attemptList.length === 0 ? (
          <div className="muted">{log.pending ? "Queued: not sent yet." : "No attempts."}</div>
        ) : (
          <ul className="timeline" aria-label="Attempt history">
            {[...log.attemptList].reverse().map((a) => (
              <li key={a.id} className={a.success ? "ok" : "fail"} data-testid="attempt">
                <div className="row">
                  <strong>#{a.attempt}</strong>
                  <span>{formatDateTime(a.started)}</span>
                  {a.httpStatus !== null ? (
                    <Indicator color={a.success ? "green" : "red"}>HTTP {a.httpStatus}</Indicator>
                  ) : (
                    <Indicator color="red">No response</Indicator>
                  )}
                  <span className="muted">{formatMs(a.durationMs)}</span>
                  {a.manual && <Indicator color="blue">manual</Indicator>}
                </div>
                {a.error && <div className="error-text">{a.error}</div>}
                {a.response && (
                  <code className="excerpt">{a.response.length > EXCERPT ? `${a.response.slice(0, EXCERPT)}…` : a.response}</code>
                )}
              </li>
            ))}
          </ul>
        )}
      </div>
      <VerifyDelivery name={log.name} />
    </>
  );
}
