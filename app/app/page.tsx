import Link from "next/link";
import { count, eq } from "drizzle-orm";
import { getDb } from "@/db";
import { webhook, webhookRequestLog } from "@/db/schema";
import { requireDeskPage } from "@/lib/auth/guard";
import { LOG_STATUS } from "@/lib/constants";
import { PageHead } from "@/components/desk/page-head";

export const dynamic = "force-dynamic";
export const metadata = { title: "Home" };

export default async function Home() {
  const actor = await requireDeskPage("/app");
  const db = getDb();
  const [[hooks], [logs], [failing]] = await Promise.all([
    db.select({ n: count() }).from(webhook),
    db.select({ n: count() }).from(webhookRequestLog),
    db.select({ n: count() }).from(webhookRequestLog).where(eq(webhookRequestLog.status, LOG_STATUS.failed)),
  ]);
  return (
    <>
      <PageHead title="Integrations" breadcrumbs={[]} />
      <p className="muted">Welcome, {actor.fullName || actor.user}.</p>
      <div className="columns">
        <div className="card">
          <h2>
            <Link href="/app/webhook">Webhook</Link>
          </h2>
          <p className="muted">{hooks?.n ?? 0} configured. Send document events to other systems.</p>
          <Link className="btn btn-primary" href="/app/webhook/new">
            + Add Webhook
          </Link>
        </div>
        <div className="card">
          <h2>
            <Link href="/app/webhook-request-log">Webhook Request Log</Link>
          </h2>
          <p className="muted">
            {logs?.n ?? 0} requests logged{failing?.n ? `, ${failing.n} failing and due for retry` : ""}.
          </p>
        </div>
      </div>
    </>
  );
}
