// POST /api/logout — end this session (its row is deleted: a replayed cookie no longer works)
import { NextResponse } from "next/server";
import { publicRoute } from "@/lib/auth/guard";
import { ACTIVITY, recordActivity } from "@/lib/auth/activity";
import { clientAddress, isSameOriginRequest } from "@/lib/auth/request-origin";
import { clearSessionCookies, decodeSessionToken, sessionCookieValue } from "@/lib/auth/session-cookie";
import { endSession } from "@/lib/auth/sessions";
import { authSecret } from "@/lib/config";
import { AppError } from "@/lib/errors";

export const dynamic = "force-dynamic";

export const POST = publicRoute(async (req) => {
  if (!isSameOriginRequest(req)) throw new AppError("FORBIDDEN", "Cross-origin request refused: sign out from the desk's own pages");
  const token = await decodeSessionToken(
    sessionCookieValue((n) => req.cookies.get(n)?.value),
    authSecret(),
  );
  const user = token ? await endSession(token.sid) : null;
  if (user) await recordActivity({ operation: ACTIVITY.logout, actor: user, subject: `User/${user}`, ip: clientAddress(req) });
  const wantsJson =
    (req.headers.get("accept") ?? "").includes("application/json") || (req.headers.get("content-type") ?? "").includes("json");
  const res = wantsJson ? NextResponse.json({ message: "ok" }) : new Response(null, { status: 303, headers: { Location: "/login" } });
  for (const c of clearSessionCookies()) res.headers.append("set-cookie", c);
  return res;
});
