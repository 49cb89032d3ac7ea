// GET/POST /api/resource/Webhook — list webhooks (Frappe filters, fields, paging), create one
import { NextResponse, type NextRequest } from "next/server";
import { readJson, withRole } from "@/lib/auth/guard";
import { AppError } from "@/lib/errors";
import { bareFieldname, parseFrappeFilters } from "@/lib/services/frappe-rest/adapter";
import { createWebhook, listWebhooks } from "@/lib/services/webhook/webhooks";
import { docBody, summaryJson, webhookJson } from "./webhook-json";

/** Frappe's default: only the name; ask for more with fields=["name","enabled"] or ["*"]. */
const DEFAULT_FIELDS = ["name"];
/** Query parameters that are not a `field=value` filter. */
const RESERVED = new Set([
  "filters",
  "or_filters",
  "fields",
  "limit_start",
  "limit_page_length",
  "limit",
  "start",
  "page_length",
  "order_by",
  "q",
  "as_dict",
  "debug",
]);

function int(v: string | null, fallback: number, label: string): number {
  if (v === null || v.trim() === "") return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new AppError("BAD_REQUEST", `${label} must be a whole number`);
  return n;
}

function fieldsOf(raw: string | null): string[] {
  if (!raw) return DEFAULT_FIELDS;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = raw.split(",");
  }
  if (!Array.isArray(parsed) || !parsed.every((f) => typeof f === "string"))
    throw new AppError("BAD_REQUEST", "fields must be a JSON array of fieldnames");
  // "`tabWebhook`.name" and "name as id" are Frappe spellings; take the bare fieldname.
  return parsed.map((f) => bareFieldname(f.split(/\s+as\s+/i)[0] ?? f, "Webhook"));
}

export const GET = withRole(async (req: NextRequest, { actor }) => {
  const p = req.nextUrl.searchParams;
  const filters = parseFrappeFilters(p.get("filters"));
  for (const [k, v] of p.entries()) if (!RESERVED.has(k)) filters.push([k, "=", v]);
  const { data } = await listWebhooks(actor, {
    q: p.get("q") ?? undefined,
    filters,
    offset: int(p.get("limit_start") ?? p.get("start"), 0, "limit_start"),
    limit: int(p.get("limit_page_length") ?? p.get("limit") ?? p.get("page_length"), 20, "limit_page_length"),
    orderBy: p.get("order_by") ?? undefined,
  });
  const fields = fieldsOf(p.get("fields"));
  const all = fields.includes("*");
  return NextResponse.json({
    data: data.map((w) => {
      const json = summaryJson(w);
      return all ? json : Object.fromEntries(fields.filter((f) => f in json).map((f) => [f, json[f]]));
    }),
  });
});

export const POST = withRole(async (req, { actor }) => {
  const body = docBody(await readJson(req));
  // A write lock held elsewhere (the dispatcher's cycle) is waited for without blocking (tx()).
  const doc = await createWebhook(actor, body);
  return NextResponse.json({ data: webhookJson(doc) }, { status: 201 });
});
