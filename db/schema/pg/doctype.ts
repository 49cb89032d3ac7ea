import { index, integer, json, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { bool, lifecycle, ms } from "./util";

export const doctype = pgTable("doctype", {
  name: text("name").primaryKey(),
  module: text("module").notNull().default("Custom"),
  isSubmittable: bool("is_submittable").notNull().default(false),
  /** A child table doctype (Frappe's `istable`), e.g. "Quotation Item". */
  isChild: bool("is_child").notNull().default(false),
  /** Registered by /api/events from a document rather than defined by hand. */
  inferred: bool("inferred").notNull().default(false),
  ...lifecycle,
});

export const docfield = pgTable(
  "docfield",
  {
    parent: text("parent")
      .notNull()
      .references(() => doctype.name, { onDelete: "cascade", onUpdate: "cascade" }),
    idx: integer("idx").notNull(),
    fieldname: text("fieldname").notNull(),
    label: text("label").notNull(),
    fieldtype: text("fieldtype").notNull(),
    /** For Link: the target doctype; for Table: the child doctype; for Select: newline-separated options. */
    options: text("options"),
  },
  (t) => [primaryKey({ columns: [t.parent, t.fieldname] })],
);

/** Latest snapshot of a host document, as host apps post it to /api/events. */
export const document = pgTable(
  "document",
  {
    doctype: text("doctype").notNull(),
    name: text("name").notNull(),
    data: json("data").$type<Record<string, unknown>>().notNull(),
    deleted: bool("deleted").notNull().default(false),
    modified: ms("modified").notNull(),
  },
  (t) => [primaryKey({ columns: [t.doctype, t.name] }), index("document_doctype_modified_idx").on(t.doctype, t.modified)],
);

export type DocType = typeof doctype.$inferSelect;
export type DocField = typeof docfield.$inferSelect;
export type StoredDocument = typeof document.$inferSelect;
