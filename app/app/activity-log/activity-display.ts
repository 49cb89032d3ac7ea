// How an Activity Log row reads in the list: a colour per operation, and the desk page its
// subject names. Apart from the page so both are unit-tested; type-only imports keep it
// free of the database.
import type { ActivityOperation } from "@/lib/auth/activity";

type Color = "green" | "red" | "orange" | "blue" | "gray";

// Red: refused or taken away. Green: access granted. Orange: existing access changed.
// A Record over ActivityOperation makes a new operation fail to compile until it has a colour.
const COLORS: Record<ActivityOperation, Color> = {
  Login: "green",
  "Login Failed": "red",
  "Login Locked": "red",
  Logout: "gray",
  "Sessions Ended": "orange",
  "API Key Created": "green",
  "API Key Revoked": "red",
  "User Created": "green",
  "User Disabled": "red",
  "User Enabled": "green",
  "Roles Changed": "orange",
  "Password Changed": "orange",
  "Webhook Secret Set": "orange",
  "Webhook Secret Rotated": "orange",
  "Webhook API Key Set": "orange",
};

/** Rows written under an operation no longer known stay readable, in gray. */
export const operationColor = (operation: string): Color => (COLORS as Record<string, Color>)[operation] ?? "gray";

/** Subject prefix → desk route; other subjects are shown as text. */
const SUBJECT_ROUTES: Record<string, string> = { User: "/app/user", Webhook: "/app/webhook" };

/** "User/ann@example.com" → "/app/user/ann%40example.com"; the name may itself contain "/". */
export function subjectHref(subject: string): string | undefined {
  const slash = subject.indexOf("/");
  if (slash <= 0) return undefined;
  const base = SUBJECT_ROUTES[subject.slice(0, slash)];
  const name = subject.slice(slash + 1);
  return base && name ? `${base}/${encodeURIComponent(name)}` : undefined;
}
