// GET/PUT/POST /api/log-settings — read and set Request Log retention; POST ?action=purge clears old logs now
import { NextResponse } from "next/server";
import { readJson, withRole } from "@/lib/auth/guard";
import { AppError } from "@/lib/errors";
import { getLogSettings, purgeNow, setLogSettings } from "@/lib/services/request-log/log-retention";

export const GET = withRole(async (_req, { actor }) => NextResponse.json({ data: await getLogSettings(actor) }));

export const PUT = withRole(async (req, { actor }) => NextResponse.json({ data: await setLogSettings(actor, await readJson(req)) }));

export const POST = withRole(async (req, { actor }) => {
  if (req.nextUrl.searchParams.get("action") !== "purge") throw new AppError("BAD_REQUEST", "Use POST ?action=purge to clear old logs now");
  const r = await purgeNow(actor);
  return NextResponse.json({ deleted: r.deleted, logs: r.logs, events: r.events, alerts: r.alerts, data: r });
});
