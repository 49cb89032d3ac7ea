// GET /api/document-search?doctype=X&q=Y — stored documents of a DocType for the Preview's Select Document
import { NextResponse } from "next/server";
import { withRole } from "@/lib/auth/guard";
import { searchDocuments } from "@/lib/services/webhook/webhooks";

export const GET = withRole(async (req, { actor }) => {
  const p = req.nextUrl.searchParams;
  return NextResponse.json({ data: await searchDocuments(actor, p.get("doctype") ?? "", p.get("q") ?? "") });
});
