// POST /api/events — accept document events from host apps and queue their webhooks.
import { NextResponse } from "next/server";
import { getDb } from "@/db";
import { parseTokenHeader } from "@/lib/auth/api-key";
import { AppError, toErrorBody } from "@/lib/errors";
import { isJsonContentType } from "@/lib/services/event-input";
import { MAX_BODY_BYTES, ingestEvents, parseEventsBody } from "@/lib/services/events";
import { actorForToken } from "@/lib/services/users";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Reads at most `limit` bytes: Content-Length is checked first, then bytes are counted as they arrive. */
async function readLimited(req: Request, limit: number): Promise<string> {
  const declared = Number(req.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read().catch(() => {
      throw new AppError("BAD_REQUEST", "The body could not be read (the connection closed early?)");
    });
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(all);
  } catch {
    throw new AppError("BAD_REQUEST", "The body is not valid UTF-8");
  }
}

const tooLarge = (limit: number) =>
  new AppError("PAYLOAD_TOO_LARGE", `The body is larger than ${limit / 1024 / 1024} MiB; send fewer events per request`);

export async function POST(req: Request): Promise<Response> {
  try {
    // API keys only: host apps are machines, and a browser session must not be able to post events.
    const header = req.headers.get("authorization");
    if (!header) throw new AppError("UNAUTHORIZED", "Send Authorization: token <api_key>:<api_secret>");
    const db = getDb();
    const check = actorForToken(header, db);
    if (!check) throw new AppError("UNAUTHORIZED", "Unsupported Authorization header; use `token <api_key>:<api_secret>`");
    if (!check.ok) throw new AppError(check.code, check.message);

    if (!isJsonContentType(req.headers.get("content-type"))) {
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
    const result = ingestEvents(db, { user: check.actor.user, apiKey: parseTokenHeader(header)?.key ?? null }, events);
    return NextResponse.json({ events: result.events }, { status: 202 });
  } catch (err) {
    // Input that slipped past validation and still broke a builtin (a string or nesting too
    // large for JSON.stringify, a regex on a huge value) is the sender's problem, not a 500.
    if (err instanceof RangeError) console.error("[api/events] input rejected:", err);
    const known =
      err instanceof RangeError ? new AppError("BAD_REQUEST", "The events could not be processed: a value is too large or nested too deeply") : err;
    const { status, body } = toErrorBody(known);
    return NextResponse.json(body, { status });
  }
}
