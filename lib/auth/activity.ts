import "server-only";
import { getDb, tx, type DB } from "@/db";
import { activityLog } from "@/db/schema";

/** The operations the Activity Log records. Values never include a secret. */
export const ACTIVITY = {
  login: "Login",
  loginFailed: "Login Failed",
  loginLocked: "Login Locked",
  logout: "Logout",
  sessionsEnded: "Sessions Ended",
  apiKeyCreated: "API Key Created",
  apiKeyRevoked: "API Key Revoked",
  userCreated: "User Created",
  userDisabled: "User Disabled",
  userEnabled: "User Enabled",
  rolesChanged: "Roles Changed",
  passwordChanged: "Password Changed",
  webhookSecretSet: "Webhook Secret Set",
  webhookSecretRotated: "Webhook Secret Rotated",
  apiKeyValueSet: "Webhook API Key Set",
} as const;
export type ActivityOperation = (typeof ACTIVITY)[keyof typeof ACTIVITY];

export interface ActivityEntry {
  operation: ActivityOperation;
  /** The user who acted; "Guest" for anonymous sign-in attempts, "cli" for the command line. */
  actor: string;
  subject?: string;
  detail?: string;
  ip?: string;
}

/** Appends one entry: in the caller's transaction when there is one (the change itself), else in its own. */
export async function recordActivity(entry: ActivityEntry, db: DB = getDb()): Promise<void> {
  await tx(
    async (t) => {
      await t.insert(activityLog).values({
        at: Date.now(),
        operation: entry.operation,
        actor: entry.actor,
        subject: entry.subject ?? "",
        detail: (entry.detail ?? "").slice(0, 500),
        ip: entry.ip ?? "",
      });
    },
    {},
    db,
  );
}
