// GET /api/resource/DocType — registered document types with their fields
import { NextResponse } from "next/server";
import { withRole } from "@/lib/auth/guard";
import { doctypeJson, getDoctype, listDoctypes } from "@/lib/services/doctype/doctypes";

export const GET = withRole((_req, { actor }) =>
  NextResponse.json({ data: listDoctypes(actor).map((d) => doctypeJson(getDoctype(actor, d.name))) }),
);
