import { NextResponse, type NextRequest } from "next/server";

// Two conveniences before routing; every page and route handler still checks the session
// and the System Manager role on the server.
// 1. A path with a malformed percent-escape (`/api/resource/Webhook/%E0%A4%A`) would make
//    Next's parameter decoding fail with a bare 500; answer a clear 400 instead.
// 2. Anonymous visitors of the desk go to /login?next=….
export function proxy(req: NextRequest) {
  const rawPath = new URL(req.url).pathname;
  try {
    decodeURIComponent(rawPath);
  } catch {
    const message = "The URL has a malformed percent-encoding";
    return rawPath.startsWith("/api/")
      ? NextResponse.json({ error: { code: "BAD_REQUEST", message } }, { status: 400 })
      : new NextResponse(message, { status: 400, headers: { "content-type": "text/plain; charset=utf-8" } });
  }
  if (rawPath.startsWith("/api/")) return NextResponse.next();

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

export const config = { matcher: ["/app", "/app/:path*", "/api/:path*"] };
