import "server-only";
// "Verify a Delivery": checks a receiver's secret against the signatures an attempt was
// sent with, over the exact stored body. The secret typed is used for the check only:
// never stored, logged or echoed. Signatures stay on the server; only the verdict leaves.
import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import { getDb, type DB } from "@/db";
import { webhookRequestAttempt as attempt, webhookRequestLog as log } from "@/db/schema";
import { requireManager, type Actor } from "@/lib/auth/roles";
import { parseAttemptSignature } from "@/lib/delivery";
import { invalid, notFound } from "@/lib/errors";
import { verifyFrappe, verifyStandard } from "@/lib/renderer/signature";

export const VERDICT = {
  matches: "Signature matches",
  differs: "Signature does not match: the secret is different, or the body was changed",
  unsigned: "No signature was sent: Enable Security was off",
  notSent: "This delivery has not been sent yet",
  unrecorded: "No signature was recorded for this attempt (sent before signatures were kept)",
} as const;

export interface Verdict {
  ok: boolean;
  reason: string;
}

export interface VerifyDeliveryResult {
  /** Which signatures the attempt carried. */
  scheme: "frappe" | "standard" | "both" | "none";
  /** The attempt checked (null: none yet). */
  attempt: number | null;
  /** Every signature present verifies with the secret. */
  ok: boolean;
  /** Overall reason when there is no signature to check. */
  reason?: string;
  frappe?: Verdict;
  standard?: Verdict;
  /** How old the Standard Webhooks timestamp is; not checked here (this is after the fact). */
  age_seconds?: number;
  /** Several `v1,` values were sent (a rotation was in progress). */
  signatures_sent?: number;
}

/** The body of POST /api/webhook-request-log/<name>/verify (also in the OpenAPI document). */
export const verifyInput = z.object({
  secret: z.string({ error: "Enter the receiver's secret" }).min(1, "Enter the receiver's secret").max(1000, "Secret is too long"),
  attempt: z.coerce.number().int().positive().optional(),
});

export async function verifyDelivery(
  actor: Actor | null,
  logName: string,
  input: unknown,
  db: DB = getDb(),
  nowMs = Date.now(),
): Promise<VerifyDeliveryResult> {
  requireManager(actor);
  const parsed = verifyInput.safeParse(input);
  if (!parsed.success) throw invalid("secret", parsed.error.issues[0]?.message ?? "Enter the receiver's secret");
  const { secret, attempt: wanted } = parsed.data;
  const [stored] = await db.select({ data: log.data }).from(log).where(eq(log.name, logName)).limit(1);
  if (!stored) throw notFound(`Webhook Request Log ${logName}`);
  // The newest attempt, or the one asked for (the last recorded when there are several).
  const [row] = await db
    .select({ attempt: attempt.attempt, signature: attempt.signature })
    .from(attempt)
    .where(and(eq(attempt.log, logName), wanted === undefined ? undefined : eq(attempt.attempt, wanted)))
    .orderBy(desc(attempt.attempt), desc(attempt.id))
    .limit(1);
  if (!row) {
    if (wanted !== undefined) throw notFound(`Attempt ${wanted} of ${logName}`);
    return { scheme: "none", attempt: null, ok: false, reason: VERDICT.notSent };
  }
  const sig = parseAttemptSignature(row.signature);
  if (!sig) return { scheme: "none", attempt: row.attempt, ok: false, reason: VERDICT.unrecorded };
  if (!sig.frappe && !sig.standard) return { scheme: "none", attempt: row.attempt, ok: false, reason: VERDICT.unsigned };

  const body = stored.data ?? "";
  const verdict = (ok: boolean): Verdict => ({ ok, reason: ok ? VERDICT.matches : VERDICT.differs });
  const out: VerifyDeliveryResult = {
    scheme: sig.frappe && sig.standard ? "both" : sig.frappe ? "frappe" : "standard",
    attempt: row.attempt,
    ok: true,
  };
  if (sig.frappe) out.frappe = verdict(verifyFrappe(body, secret, sig.frappe).ok);
  if (sig.standard) {
    const headers = { "webhook-id": sig.id, "webhook-timestamp": String(sig.timestamp), "webhook-signature": sig.standard };
    // No tolerance: the timestamp was fresh when sent; its age is reported separately.
    out.standard = verdict(verifyStandard(headers, body, secret, Number.POSITIVE_INFINITY, sig.timestamp).ok);
    out.age_seconds = Math.max(0, Math.floor(nowMs / 1000) - sig.timestamp);
    out.signatures_sent = sig.standard.split(" ").filter((s) => s.startsWith("v1,")).length;
  }
  out.ok = (out.frappe?.ok ?? true) && (out.standard?.ok ?? true);
  return out;
}
