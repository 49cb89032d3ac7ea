// POST /api/login — sign in with a password: the login form posts here (works without
// JavaScript: 303 to `next`, or back to /login with an error code); JSON in, JSON out too.
import { NextResponse } from "next/server";
import { getDb } from "@/db";
import { errorResponse, publicRoute } from "@/lib/auth/guard";
import { startSession } from "@/lib/auth/login";
import { clientAddress, isSameOriginRequest } from "@/lib/auth/request-origin";
import { safeNext } from "@/lib/auth/safe-next";
import { signInWithPassword } from "@/lib/auth/sign-in";
import { AppError } from "@/lib/errors";
import { isJsonMediaType, readLimited, UNAUTHENTICATED_BODY_LIMIT } from "@/lib/http-body";

export const dynamic = "force-dynamic";

const seeOther = (location: string) => new Response(null, { status: 303, headers: { Location: location, "Cache-Control": "no-store" } });

export const POST = publicRoute(async (req) => {
  // A browser page elsewhere must not sign a visitor in to an account of its choosing.
  // Clients that send neither Origin nor Sec-Fetch-Site are not browsers, so not a CSRF vector.
  if ((req.headers.has("origin") || req.headers.has("sec-fetch-site")) && !isSameOriginRequest(req)) {
    throw new AppError("FORBIDDEN", "Cross-origin sign-in refused");
  }
  const type = req.headers.get("content-type");
  const json = isJsonMediaType(type);
  const form = (type ?? "").split(";")[0]?.trim().toLowerCase() === "application/x-www-form-urlencoded";
  if (!json && !form) throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Send the form (application/x-www-form-urlencoded) or JSON");
  const text = await readLimited(req, UNAUTHENTICATED_BODY_LIMIT);
  let fields: Record<string, unknown>;
  if (json) {
    try {
      const parsed: unknown = JSON.parse(text || "{}");
      fields = parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
    } catch {
      throw new AppError("BAD_REQUEST", "The body is not valid JSON");
    }
  } else {
    fields = Object.fromEntries(new URLSearchParams(text));
  }
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  // Frappe's /api/method/login names them usr and pwd.
  const login = str(fields.username) || str(fields.usr);
  const password = str(fields.password) || str(fields.pwd);
  const next = safeNext(str(fields.next) || null);
  const ip = clientAddress(req);
  const userAgent = req.headers.get("user-agent") ?? "";
  const result = await signInWithPassword(getDb(), { login, password, ip, userAgent });
  const wantsJson = json || (req.headers.get("accept") ?? "").includes("application/json");

  if (!result.ok) {
    if (wantsJson) return errorResponse(new AppError(result.code, result.message, undefined, result.retryAfterS));
    const q = new URLSearchParams({
      error: result.code === "TOO_MANY_REQUESTS" ? "locked" : result.code === "BAD_REQUEST" ? "missing" : "invalid",
    });
    if (result.retryAfterS) q.set("minutes", String(Math.ceil(result.retryAfterS / 60)));
    if (next !== "/app") q.set("next", next);
    return seeOther(`/login?${q}`);
  }
  const res = wantsJson
    ? NextResponse.json(
        { message: "Logged In", home_page: next, full_name: result.actor.fullName || result.actor.user },
        { headers: { "Cache-Control": "no-store" } },
      )
    : seeOther(next);
  await startSession(res, result.actor.user, result.actor.fullName || result.actor.user, { ip, userAgent }, result.sid);
  return res;
});
