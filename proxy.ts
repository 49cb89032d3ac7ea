import { NextResponse, type NextRequest } from "next/server";
import { refreshedSessionCookie, sessionCookieValue } from "@/lib/auth/session-cookie";

// Runs before every page (not API routes: they take bodies, and the proxy would buffer them).
// 1. A Content-Security-Policy with a fresh nonce per page: Next puts the nonce on its own
//    scripts; nothing loads from another origin.
// 2. Anonymous visitors of the desk go to /login?next=…. Every page still checks the session
//    and the role on the server; this is only a convenience.
// 3. A session cookie that has aged is re-issued, so an active session slides on (the
//    session's row decides whether it is alive; see lib/auth/sessions.ts).
// 4. Frappe v16's /desk/… paths (bookmarks, links from Frappe) go to the same page under /app/….
// Malformed percent-escapes and request bodies are handled before Next by scripts/server.mjs.

export function contentSecurityPolicy(nonce: string, dev = process.env.NODE_ENV === "development"): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    // Monaco and React's style attributes set inline styles; no stylesheet loads from elsewhere.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "worker-src 'self' blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** `/desk/<rest>` → `/app/<rest>` (and `/desk` → `/app`); null for any other path. */
function deskToApp(path: string): string | null {
  return path === "/desk" || path.startsWith("/desk/") ? "/app" + path.slice("/desk".length) : null;
}

export async function proxy(req: NextRequest) {
  const path = req.nextUrl.pathname;
  const app = deskToApp(path);
  if (app !== null) {
    const url = req.nextUrl.clone();
    url.pathname = app; // the query string stays
    return NextResponse.redirect(url, 308);
  }
  const cookie = sessionCookieValue((n) => req.cookies.get(n)?.value);
  if ((path === "/app" || path.startsWith("/app/")) && !cookie) {
    const url = req.nextUrl.clone();
    url.pathname = "/login";
    url.search = `?next=${encodeURIComponent(req.nextUrl.pathname + req.nextUrl.search)}`;
    return NextResponse.redirect(url);
  }

  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const csp = contentSecurityPolicy(nonce);
  const headers = new Headers(req.headers);
  headers.set("x-nonce", nonce);
  headers.set("Content-Security-Policy", csp);
  const res = NextResponse.next({ request: { headers } });
  res.headers.set("Content-Security-Policy", csp);
  const fresh = await refreshedSessionCookie(cookie, process.env.NEXTAUTH_SECRET);
  if (fresh) res.headers.append("set-cookie", fresh);
  return res;
}

export const config = {
  matcher: [
    {
      source: "/((?!api/|healthz|readyz|metrics|_next/static|_next/image|favicon.ico|icon.svg).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
