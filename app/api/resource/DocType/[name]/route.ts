// GET/PUT /api/resource/DocType/<name> — read a DocType, mark it submittable
import { NextResponse } from "next/server";
import { readJson, withRole } from "@/lib/auth/guard";
import { doctypeJson, getDoctype, updateDoctype } from "@/lib/services/doctype/doctypes";

type P = { name: string };

export const GET = withRole<P>(async (_req, { actor, params }) =>
  NextResponse.json({ data: doctypeJson(await getDoctype(actor, params.name)) }),
);

export const PUT = withRole<P>(async (req, { actor, params }) =>
  NextResponse.json({ data: doctypeJson(await updateDoctype(actor, params.name, await readJson(req))) }),
);
