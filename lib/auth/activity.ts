import "server-only";
import { getDb, type DB } from "@/db";
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

/** Appends one entry. Pass the transaction when the change itself is in one. */
export function recordActivity(entry: ActivityEntry, db: Pick<DB, "insert"> = getDb()): void {
  db.insert(activityLog)
    .values({
      at: Date.now(),
      operation: entry.operation,
      actor: entry.actor,
      subject: entry.subject ?? "",
      detail: (entry.detail ?? "").slice(0, 500),
      ip: entry.ip ?? "",
    })
    .run();
}
