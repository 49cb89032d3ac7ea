import "server-only";
// Secret rotation without downtime: the current secret becomes the previous one and keeps
// signing (a second `v1,` value in webhook-signature) for 24 hours, while receivers move
// to the new secret. The new secret is returned once, here, and never again.
// Every write of a webhook's secret or outbound API key is also an Activity Log entry
// (who, when, from where; never the value), in the same transaction as the write.
import { eq } from "drizzle-orm";
import { z } from "zod";
import { getDb, tx, type DB } from "@/db";
import { version, webhook } from "@/db/schema";
import { ACTIVITY, recordActivity } from "@/lib/auth/activity";
import { requireManager, type Actor } from "@/lib/auth/roles";
import { encryptSecret } from "@/lib/crypto/secret-box";
import { AppError, invalid, notFound } from "@/lib/errors";
import { generateStandardSecret } from "@/lib/renderer/signature";
import { bumpWebhookVersion, invalidateWebhookCache } from "@/lib/delivery";
import { REDACTED, type VersionData } from "./webhook-versions";

/** How long the previous secret keeps signing after a rotation. */
export const ROTATION_GRACE_MS = 24 * 60 * 60 * 1000;

/** Stored ciphertexts of the two credentials a webhook holds (null: none). */
export interface WebhookCredentials {
  secret: string | null;
  apiKey: string | null;
}

const change = (before: string | null, after: string | null) =>
  before === after ? null : after === null ? "Cleared" : before === null ? "Set" : "Replaced";

/**
 * Records which credentials a create or update wrote. Ciphertexts are compared, so saving
 * a new value counts even when it happens to equal the old one: what matters is that
 * someone typed a secret. There is no "cleared" operation, so a clear is a Set entry
 * whose detail says so.
 */
export async function recordCredentialWrites(
  t: DB,
  actor: Actor,
  name: string,
  before: WebhookCredentials,
  after: WebhookCredentials,
): Promise<void> {
  const who = { actor: actor.user, ip: actor.ip ?? "", subject: `Webhook/${name}` };
  const secret = change(before.secret, after.secret);
  if (secret) await recordActivity({ operation: ACTIVITY.webhookSecretSet, ...who, detail: `Webhook Secret ${secret.toLowerCase()}` }, t);
  const apiKey = change(before.apiKey, after.apiKey);
  if (apiKey) await recordActivity({ operation: ACTIVITY.apiKeyValueSet, ...who, detail: `API Key ${apiKey.toLowerCase()}` }, t);
}

/** The optional body of POST /api/resource/Webhook/<name>/rotate-secret (also in the OpenAPI document). */
export const rotateInput = z
  .object({
    new_secret: z.string().max(1000, "Webhook Secret is too long").optional(),
    newSecret: z.string().max(1000, "Webhook Secret is too long").optional(),
  })
  .optional();

export interface RotateResult {
  name: string;
  /** The new secret: shown once, never returned again. */
  secret: string;
  /** Epoch ms until which the previous secret keeps signing (null: there was none). */
  previous_secret_expires: number | null;
  signature_scheme: string;
}

export async function rotateWebhookSecret(
  actor: Actor | null,
  name: string,
  input: unknown = {},
  db: DB = getDb(),
  now = Date.now(),
): Promise<RotateResult> {
  requireManager(actor);
  const parsed = rotateInput.safeParse(input ?? {});
  if (!parsed.success) throw invalid("webhook_secret", parsed.error.issues[0]?.message ?? "Invalid secret");
  const given = (parsed.data?.new_secret ?? parsed.data?.newSecret ?? "").trim();
  const secret = given || generateStandardSecret();
  const result = await tx(
    async (t) => {
      const [row] = await t.select().from(webhook).where(eq(webhook.name, name)).limit(1);
      if (!row) throw notFound(`Webhook ${name}`);
      // Every process's webhook cache sees this write (webhook-spec.ts).
      await bumpWebhookVersion(t);
      if (!row.enableSecurity) throw new AppError("CONFLICT", "Enable Security and save the webhook before rotating its secret");
      const expires = row.webhookSecret ? now + ROTATION_GRACE_MS : null;
      await t
        .update(webhook)
        .set({
          webhookSecret: encryptSecret(secret),
          previousSecret: row.webhookSecret,
          previousSecretExpires: expires,
          modifiedBy: actor.user,
          modified: Math.max(now, row.modified + 1),
        })
        .where(eq(webhook.name, name));
      const data: VersionData = {
        comment: "webhook_secret rotated",
        changed: [["webhook_secret", row.webhookSecret ? REDACTED : "", REDACTED]],
      };
      await t.insert(version).values({ refDoctype: "Webhook", docname: name, data, owner: actor.user, created: now });
      await recordActivity(
        {
          operation: ACTIVITY.webhookSecretRotated,
          actor: actor.user,
          ip: actor.ip ?? "",
          subject: `Webhook/${name}`,
          detail: expires ? "The previous secret keeps signing for 24 hours" : "There was no previous secret",
        },
        t,
      );
      return { name, secret, previous_secret_expires: expires, signature_scheme: row.signatureScheme };
    },
    {},
    db,
  );
  invalidateWebhookCache();
  return result;
}
