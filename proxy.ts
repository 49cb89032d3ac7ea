import { NextResponse, type NextRequest } from "next/server";

// Convenience only: sends anonymous visitors of the desk to /login. Every page and
// route handler checks the session and the System Manager role again on the server.
export function proxy(req: NextRequest) {
  const hasSession =
    req.cookies.has("next-auth.session-token") || req.cookies.has("__Secure-next-auth.session-token");
  if (!hasSession) {
    const url = req.nextUrl.clone();
    url.pathname = "/login";
    url.search = `?next=${encodeURIComponent(req.nextUrl.pathname + req.nextUrl.search)}`;
    return NextResponse.redirect(url);
  }
  return NextResponse.next();
}

export const config = { matcher: ["/app", "/app/:path*"] };
