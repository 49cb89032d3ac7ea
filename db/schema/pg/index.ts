// The PostgreSQL schema. It must mirror ../sqlite table for table and column for column:
// the same table, column and JS property names, primary keys, indexes, unique indexes,
// foreign keys (onDelete/onUpdate), defaults and $defaultFn/$type. The services are written
// once, typed against the SQLite tables (../index.ts), and run unchanged on either dialect,
// which holds only because every column reads and writes the same JS values in both:
// epoch ms and generated ids are numbers (bigint mode "number" here, as int4 would overflow;
// integer there), flags are booleans (boolean here, integer mode "boolean" there), JSON
// columns are parsed values (json/jsonb here, text mode "json" there). Objects (documents,
// versions, routing trails) are json, not jsonb: json keeps the text as written, so keys come
// back in the order they were stored, as on SQLite (jsonb sorts them). json has no equality
// operator: no query may compare, GROUP BY or DISTINCT those columns. A string array
// (webhook_events) keeps its order in jsonb too.
// Change both dialects together, then `npm run db:generate`;
// db/schema/mirror.test.ts and `npm run db:check` catch a side left behind.
export * from "./user";
export * from "./doctype";
export * from "./webhook";
export * from "./request-log";
export * from "./security";
export * from "./alert";
