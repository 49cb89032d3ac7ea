// GET/POST /api/auth/* — next-auth (Credentials provider with its own CSRF token, JWT sessions).
// Anyone may call it, so a body is read only up to 64 KiB, then handed to next-auth.
import NextAuth from "next-auth";
import { NextRequest, NextResponse } from "next/server";
import { publicRoute, sessionActor } from "@/lib/auth/guard";
import { authOptions } from "@/lib/auth/options";
import { clearSessionCookies } from "@/lib/auth/session-cookie";
import { readLimited, UNAUTHENTICATED_BODY_LIMIT } from "@/lib/http-body";

type P = { nextauth: string[] };
const handler = NextAuth(authOptions) as (req: NextRequest, ctx: { params: Promise<P> }) => Promise<Response>;

export const GET = publicRoute<P>(async (req, ctx) => {
  const { nextauth } = await ctx.params;
  // next-auth answers /session from the cookie alone; a session that has ended (sign-out,
  // password change, …) must read as signed out here too.
  if (nextauth.join("/") === "session" && !(await sessionActor())) {
    const res = NextResponse.json({});
    for (const c of clearSessionCookies()) res.headers.append("set-cookie", c);
    return res;
  }
  return handler(req, ctx);
});

export const POST = publicRoute<P>(async (req, ctx) => {
  const body = await readLimited(req, UNAUTHENTICATED_BODY_LIMIT);
  const copy = new NextRequest(req.url, { method: "POST", headers: req.headers, body });
  return handler(copy, ctx);
});
