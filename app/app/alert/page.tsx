import Link from "next/link";
import { requireDeskPage } from "@/lib/auth/guard";
import { formatDateTime } from "@/lib/format";
import { listAlerts, listAlertSends } from "@/lib/services/alert/alerts";
import { Indicator, PageHead } from "@/components/desk/page-head";

export const dynamic = "force-dynamic";
export const metadata = { title: "Alerts" };

const sendColor = (s: string) => (s === "Sent" ? "green" : s === "Exhausted" ? "red" : s === "Failed" ? "orange" : "blue");

/** Every alert, and every email and alert webhook POST made of them with its status: a failed send is visible here. */
export default async function AlertsPage() {
  const actor = await requireDeskPage("/app/alert");
  const [{ alerts, unread }, sends] = await Promise.all([listAlerts(actor, { limit: 100 }), listAlertSends(actor)]);
  return (
    <>
      <PageHead title="Alerts" breadcrumbs={[{ label: "Integrations", href: "/app" }]} />
      <div className="card">
        <div className="section">
          <div className="section-title">Alerts ({unread} unread)</div>
          {alerts.length ? (
            <table className="grid-table" aria-label="Alerts">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Event</th>
                  <th>Alert</th>
                  <th>Read</th>
                </tr>
              </thead>
              <tbody>
                {alerts.map((a) => (
                  <tr key={a.id}>
                    <td>{formatDateTime(a.created)}</td>
                    <td className="mono">{a.event}</td>
                    <td>
                      {a.webhook ? <Link href={`/app/webhook/${encodeURIComponent(a.webhook)}`}>{a.subject}</Link> : a.subject}
                      <div className="muted">{a.message}</div>
                    </td>
                    <td>{a.read ? "Read" : "Unread"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <div className="empty">No alerts yet</div>
          )}
        </div>
        <div className="section">
          <div className="section-title">Emails and alert webhook</div>
          {sends.length ? (
            <table className="grid-table" aria-label="Alert sends">
              <thead>
                <tr>
                  <th>Alert</th>
                  <th>Channel</th>
                  <th>To</th>
                  <th>Status</th>
                  <th>Attempts</th>
                  <th>Last Error</th>
                  <th>Next Attempt</th>
                </tr>
              </thead>
              <tbody>
                {sends.map((s) => (
                  <tr key={s.id}>
                    <td>{s.subject}</td>
                    <td>{s.channel === "email" ? "Email" : "Alert Webhook"}</td>
                    <td className="mono">{s.target}</td>
                    <td>
                      <Indicator color={sendColor(s.status)}>{s.status}</Indicator>
                    </td>
                    <td>{s.attempts}</td>
                    <td>{s.last_error ?? ""}</td>
                    <td>{s.next_attempt ? formatDateTime(s.next_attempt) : ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <div className="empty">
              Nothing sent: set SMTP_URL and turn on Send Alert Emails for a System Manager, or set the Alert Webhook URL in Log Settings.
            </div>
          )}
        </div>
      </div>
    </>
  );
}
