// GET /api/doctype-fields?doctype=X — the Webhook Data table's Fieldname options for a DocType
import { NextResponse } from "next/server";
import { withRole } from "@/lib/auth/guard";
import { doctypeFieldOptions } from "@/lib/services/webhook/webhooks";

export const GET = withRole(async (req, { actor }) =>
  NextResponse.json({ data: await doctypeFieldOptions(actor, req.nextUrl.searchParams.get("doctype") ?? "") }),
);
