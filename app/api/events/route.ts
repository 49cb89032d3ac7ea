// POST /api/events — accept document events from host apps and queue their webhooks.
import { NextResponse } from "next/server";
import { getDb } from "@/db";
import { errorResponse, guard } from "@/lib/auth/guard";
import { EVENT_PUBLISHER, SYSTEM_MANAGER } from "@/lib/constants";
import { AppError } from "@/lib/errors";
import { isJsonMediaType, readLimited } from "@/lib/http-body";
import { MAX_BODY_BYTES, ingestEvents, parseEventsBody } from "@/lib/services/event/events";
import { logger } from "@/lib/log";

const log = logger("api/events");

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// API keys only (host apps are machines; a browser session must not post events), of a
// System Manager or an Event Publisher. The guard checks the key and the role before a byte
// of the body is read; a declared Content-Length over the limit is refused unread.
export const POST = guard({ roles: [SYSTEM_MANAGER, EVENT_PUBLISHER], credentials: "token" }, async (req, { actor }) => {
  try {
    if (!isJsonMediaType(req.headers.get("content-type"))) {
      throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Send a JSON body with Content-Type: application/json");
    }
    const text = await readLimited(req, MAX_BODY_BYTES);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      throw new AppError("BAD_REQUEST", `The body is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    const events = parseEventsBody(body);
    // The events' own `user` field stays informational: who is authorised is the key's user.
    const result = await ingestEvents(getDb(), { user: actor.user, apiKey: actor.apiKey ?? null }, events);
    return NextResponse.json({ events: result.events }, { status: 202 });
  } catch (err) {
    // Input that slipped past validation and still broke a builtin (a string or nesting too
    // large for JSON.stringify, a regex on a huge value) is the sender's problem, not a 500.
    if (err instanceof RangeError) log.warn({ err }, "input rejected");
    const known =
      err instanceof RangeError
        ? new AppError("BAD_REQUEST", "The events could not be processed: a value is too large or nested too deeply")
        : err;
    return errorResponse(known);
  }
});
