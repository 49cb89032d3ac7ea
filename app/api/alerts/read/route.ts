// POST /api/alerts/read — marks alerts read for the caller: {"ids": [...]} or {"all": true}
import { NextResponse } from "next/server";
import { readJson, withRole } from "@/lib/auth/guard";
import { markAlertsRead } from "@/lib/services/alert/alerts";

export const POST = withRole(async (req, { actor }) => NextResponse.json({ data: await markAlertsRead(actor, await readJson(req)) }));
