// GET /api/resource/DocType — registered document types with their fields
import { NextResponse } from "next/server";
import { withRole } from "@/lib/auth/guard";
import { doctypeJson, getDoctype, listDoctypes } from "@/lib/services/doctype/doctypes";

export const GET = withRole(async (_req, { actor }) => {
  const data = [];
  for (const d of await listDoctypes(actor)) data.push(doctypeJson(await getDoctype(actor, d.name)));
  return NextResponse.json({ data });
});
