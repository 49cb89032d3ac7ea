import { bigint, index, integer, pgTable, text } from "drizzle-orm/pg-core";
import { ms } from "./util";
import { user } from "./user";

/**
 * Signed-in sessions. The session cookie (a next-auth JWT) only carries the id; a row that is
 * gone — sign-out, password change, user disabled, a role removed — ends the session at once.
 * Kept in the database so any number of web processes agree.
 */
export const session = pgTable(
  "session",
  {
    id: text("id").primaryKey(),
    user: text("user")
      .notNull()
      .references(() => user.name, { onDelete: "cascade", onUpdate: "cascade" }),
    created: ms("created").notNull(),
    /** Sliding expiry: last_seen + the session lifetime. */
    lastSeen: ms("last_seen").notNull(),
    ip: text("ip").notNull().default(""),
    userAgent: text("user_agent").notNull().default(""),
  },
  (t) => [index("session_user_idx").on(t.user)],
);

/**
 * Failed sign-in counters, one row per bucket (`acct:<user>|<address>`, `acct:<user>`),
 * in fixed windows. Counted before the password is hashed, so parallel guesses past the
 * limit are refused unchecked.
 */
export const loginThrottle = pgTable("login_throttle", {
  bucket: text("bucket").primaryKey(),
  failures: integer("failures").notNull().default(0),
  windowStart: ms("window_start").notNull(),
});

/** Security-relevant actions: sign-ins, keys, users, roles, webhook secrets (never values). */
export const activityLog = pgTable(
  "activity_log",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    at: ms("at").notNull(),
    /** e.g. "Login", "Login Failed", "Login Locked", "API Key Created". */
    operation: text("operation").notNull(),
    /** Who did it ("Guest" for an anonymous sign-in attempt). */
    actor: text("actor").notNull(),
    /** What it was done to: "User/ann@example.com", "Webhook/Orders". */
    subject: text("subject").notNull().default(""),
    detail: text("detail").notNull().default(""),
    ip: text("ip").notNull().default(""),
  },
  (t) => [index("activity_log_at_idx").on(t.at), index("activity_log_operation_at_idx").on(t.operation, t.at)],
);

export type Session = typeof session.$inferSelect;
export type ActivityLogRow = typeof activityLog.$inferSelect;
