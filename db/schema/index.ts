// The tables of the dialect DATABASE_URL names (../dialect.ts), chosen once at module load.
// Everything is typed as the SQLite tables: services are written against SQLite's builders,
// and on PostgreSQL the same names hold the pg tables of ./pg, which mirror ./sqlite column for
// column with the same JS values (see ./pg/index.ts). pgSchema and sqliteSchema are for drizzle().
import { DIALECT } from "../dialect";
import * as pg from "./pg";
import * as sqlite from "./sqlite";

// Plain objects rather than the module namespaces themselves: drizzle() looks at every value
// of the schema it is given, and a namespace (null prototype) among them makes it throw, so
// `import * as schema from "@/db/schema"` stays usable as a drizzle schema too.
export const pgSchema = { ...pg };
export const sqliteSchema = { ...sqlite };

const onPg = DIALECT === "pg";

// user.ts
export const user = (onPg ? pg.user : sqlite.user) as typeof sqlite.user;
export const role = (onPg ? pg.role : sqlite.role) as typeof sqlite.role;
export const hasRole = (onPg ? pg.hasRole : sqlite.hasRole) as typeof sqlite.hasRole;
export const apiKey = (onPg ? pg.apiKey : sqlite.apiKey) as typeof sqlite.apiKey;
// doctype.ts
export const doctype = (onPg ? pg.doctype : sqlite.doctype) as typeof sqlite.doctype;
export const docfield = (onPg ? pg.docfield : sqlite.docfield) as typeof sqlite.docfield;
export const document = (onPg ? pg.document : sqlite.document) as typeof sqlite.document;
// webhook.ts
export const webhook = (onPg ? pg.webhook : sqlite.webhook) as typeof sqlite.webhook;
export const webhookHeader = (onPg ? pg.webhookHeader : sqlite.webhookHeader) as typeof sqlite.webhookHeader;
export const webhookData = (onPg ? pg.webhookData : sqlite.webhookData) as typeof sqlite.webhookData;
export const version = (onPg ? pg.version : sqlite.version) as typeof sqlite.version;
export const webhookRateSlot = (onPg ? pg.webhookRateSlot : sqlite.webhookRateSlot) as typeof sqlite.webhookRateSlot;
// request-log.ts
export const event = (onPg ? pg.event : sqlite.event) as typeof sqlite.event;
export const webhookRequestLog = (onPg ? pg.webhookRequestLog : sqlite.webhookRequestLog) as typeof sqlite.webhookRequestLog;
export const webhookRequestAttempt = (
  onPg ? pg.webhookRequestAttempt : sqlite.webhookRequestAttempt
) as typeof sqlite.webhookRequestAttempt;
export const delivery = (onPg ? pg.delivery : sqlite.delivery) as typeof sqlite.delivery;
export const setting = (onPg ? pg.setting : sqlite.setting) as typeof sqlite.setting;
export const job = (onPg ? pg.job : sqlite.job) as typeof sqlite.job;
// security.ts
export const session = (onPg ? pg.session : sqlite.session) as typeof sqlite.session;
export const loginThrottle = (onPg ? pg.loginThrottle : sqlite.loginThrottle) as typeof sqlite.loginThrottle;
export const activityLog = (onPg ? pg.activityLog : sqlite.activityLog) as typeof sqlite.activityLog;
// alert.ts
export const webhookHealth = (onPg ? pg.webhookHealth : sqlite.webhookHealth) as typeof sqlite.webhookHealth;
export const alert = (onPg ? pg.alert : sqlite.alert) as typeof sqlite.alert;
export const alertRead = (onPg ? pg.alertRead : sqlite.alertRead) as typeof sqlite.alertRead;
export const alertSend = (onPg ? pg.alertSend : sqlite.alertSend) as typeof sqlite.alertSend;

// The row types the code uses (./sqlite has one per table).
export type { Webhook, WebhookHeader, WebhookData, WebhookRequestLog, ActivityLogRow, Alert, AlertSend, WebhookHealth } from "./sqlite";

// Compile-time half of the mirror check (db/schema/mirror.test.ts checks names, keys and
// indexes at run time): both dialects export the same tables, with the same row and insert types.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Sqlite = typeof sqlite;
type Pg = typeof pg;
type _MirrorCheck<T extends true> = T;
type _SameTables = _MirrorCheck<Same<keyof Sqlite, keyof Pg>>;
type _SameRows = _MirrorCheck<
  Same<{ [K in keyof Sqlite]: Sqlite[K]["$inferSelect"] }, { [K in keyof Sqlite & keyof Pg]: Pg[K]["$inferSelect"] }>
>;
type _SameInserts = _MirrorCheck<
  Same<{ [K in keyof Sqlite]: Sqlite[K]["$inferInsert"] }, { [K in keyof Sqlite & keyof Pg]: Pg[K]["$inferInsert"] }>
>;
