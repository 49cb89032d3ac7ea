// GET/PUT /api/resource/DocType/<name> — read a DocType, mark it submittable
import { NextResponse } from "next/server";
import { readJson, withRole } from "@/lib/auth/guard";
import { doctypeJson, getDoctype, updateDoctype } from "@/lib/services/doctype/doctypes";

type P = { name: string };

export const GET = withRole<P>((_req, { actor, params }) => NextResponse.json({ data: doctypeJson(getDoctype(actor, params.name)) }));

export const PUT = withRole<P>(async (req, { actor, params }) =>
  NextResponse.json({ data: doctypeJson(updateDoctype(actor, params.name, await readJson(req))) }),
);
