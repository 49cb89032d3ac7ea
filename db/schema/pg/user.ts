import { index, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { bool, lifecycle, ms } from "./util";

export const user = pgTable("user", {
  /** Frappe's user name: "Administrator" or the email address. */
  name: text("name").primaryKey(),
  email: text("email").notNull().unique(),
  fullName: text("full_name").notNull().default(""),
  /** scrypt$N$r$p$salt$hash (see lib/auth/password.ts). */
  passwordHash: text("password_hash"),
  enabled: bool("enabled").notNull().default(true),
  /** System Managers with it on get alert emails (lib/ops/alerts). */
  sendAlertEmails: bool("send_alert_emails").notNull().default(false),
  ...lifecycle,
});

export const role = pgTable("role", {
  name: text("name").primaryKey(),
});

export const hasRole = pgTable(
  "has_role",
  {
    user: text("user")
      .notNull()
      .references(() => user.name, { onDelete: "cascade", onUpdate: "cascade" }),
    role: text("role")
      .notNull()
      .references(() => role.name, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.user, t.role] })],
);

export const apiKey = pgTable(
  "api_key",
  {
    /** The public half of `token <api_key>:<api_secret>`. */
    key: text("key").primaryKey(),
    /** sha256 of the secret: the secret is 32 random bytes, so a slow hash adds nothing. */
    secretHash: text("secret_hash").notNull(),
    user: text("user")
      .notNull()
      .references(() => user.name, { onDelete: "cascade", onUpdate: "cascade" }),
    created: ms("created").notNull(),
    lastUsed: ms("last_used"),
  },
  (t) => [index("api_key_user_idx").on(t.user)],
);

export type User = typeof user.$inferSelect;
export type ApiKey = typeof apiKey.$inferSelect;
