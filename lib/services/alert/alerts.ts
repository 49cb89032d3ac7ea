import "server-only";
// The desk's side of alerts (lib/ops/alerts raises them): the bell's list and unread count
// per System Manager, mark as read, and the outbox rows with their status for the Alerts page.
import { and, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import { getDb, tx } from "@/db";
import { alert, alertRead, alertSend } from "@/db/schema";
import { requireManager, type Actor } from "@/lib/auth/roles";
import { zodToAppError } from "@/lib/errors";
import { markReadSchema, type AlertSendView, type AlertView } from "./alert.schema";

/** The newest alerts with whether the actor has read them, and the actor's unread count. */
export async function listAlerts(
  actor: Actor | null,
  opts: { limit?: number } = {},
  db = getDb(),
): Promise<{ unread: number; alerts: AlertView[] }> {
  requireManager(actor);
  const limit = Math.min(Math.max(1, opts.limit ?? 20), 200);
  const readJoin = and(eq(alertRead.alert, alert.id), eq(alertRead.user, actor.user));
  const rows = await db
    .select({
      id: alert.id,
      event: alert.event,
      webhook: alert.webhook,
      subject: alert.subject,
      message: alert.message,
      created: alert.created,
      readAt: alertRead.readAt,
    })
    .from(alert)
    .leftJoin(alertRead, readJoin)
    .orderBy(desc(alert.created), desc(alert.id))
    .limit(limit);
  const [count] = await db
    .select({ n: sql<number>`count(*)` })
    .from(alert)
    .leftJoin(alertRead, readJoin)
    .where(isNull(alertRead.alert));
  return {
    unread: Number(count?.n ?? 0),
    alerts: rows.map(({ readAt, ...r }) => ({ ...r, read: readAt !== null })),
  };
}

/** Marks some alerts (or all) read for the actor. */
export async function markAlertsRead(actor: Actor | null, input: unknown, db = getDb()): Promise<{ unread: number }> {
  requireManager(actor);
  const parsed = markReadSchema.safeParse(input);
  if (!parsed.success) throw zodToAppError(parsed.error);
  const now = Date.now();
  await tx(
    async (t) => {
      const ids = parsed.data.all
        ? (
            await t
              .select({ id: alert.id })
              .from(alert)
              .leftJoin(alertRead, and(eq(alertRead.alert, alert.id), eq(alertRead.user, actor.user)))
              .where(isNull(alertRead.alert))
          ).map((r) => r.id)
        : (
            await t
              .select({ id: alert.id })
              .from(alert)
              .where(inArray(alert.id, parsed.data.ids ?? []))
          ).map((r) => r.id);
      if (ids.length)
        await t
          .insert(alertRead)
          .values(ids.map((id) => ({ alert: id, user: actor.user, readAt: now })))
          .onConflictDoNothing();
    },
    {},
    db,
  );
  return { unread: (await listAlerts(actor, { limit: 1 }, db)).unread };
}

/** An alert webhook URL as shown: origin and path (a token in its query stays on the server). */
const shownTarget = (channel: string, target: string) => {
  if (channel !== "webhook") return target;
  try {
    const u = new URL(target);
    return `${u.origin}${u.pathname}`;
  } catch {
    return "(invalid URL)";
  }
};

/** The newest outbox rows: every email and alert webhook POST, with its status, attempts and last error. */
export async function listAlertSends(actor: Actor | null, db = getDb()): Promise<AlertSendView[]> {
  requireManager(actor);
  const rows = await db
    .select({ s: alertSend, subject: alert.subject })
    .from(alertSend)
    .innerJoin(alert, eq(alert.id, alertSend.alert))
    .orderBy(desc(alertSend.created), desc(alertSend.id))
    .limit(100);
  return rows.map(({ s, subject }) => ({
    id: s.id,
    alert: s.alert,
    subject,
    channel: s.channel,
    target: shownTarget(s.channel, s.target),
    status: s.status,
    attempts: s.attempts,
    last_error: s.lastError,
    next_attempt: s.status === "Failed" || s.status === "Queued" ? s.nextAttempt : null,
    modified: s.modified,
  }));
}
