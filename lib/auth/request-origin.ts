// Where a request comes from: the client's address (from the socket, or from the proxy in
// front when TRUST_PROXY says there is one) and whether a browser sent it from the desk's
// own origin. No database, no Next imports: the custom server and the proxy use it too.
import { env } from "@/lib/env";

/** Set by scripts/server.mjs from the socket; any value a client sends is replaced. */
const CLIENT_ADDRESS_HEADER = "x-webhook-desk-client-address";

const g = globalThis as unknown as { __webhookDeskServer?: boolean };

/**
 * The client's address for throttles and the Activity Log. Only scripts/server.mjs (the
 * process `npm start` runs) sets the header, after removing a client's copy; under any other
 * server the header could be forged, so it is not read at all.
 */
export function clientAddress(req: { headers: Headers }): string {
  if (!g.__webhookDeskServer) return "unknown";
  return req.headers.get(CLIENT_ADDRESS_HEADER) || "unknown";
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
export const isSafeMethod = (method: string) => SAFE_METHODS.has(method.toUpperCase());

/** The desk's public origin (NEXTAUTH_URL), or null when unset or not a URL. */
function deskOrigin(): string | null {
  const url = env().NEXTAUTH_URL;
  if (!url) return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

function requestHostOrigin(headers: Headers): string | null {
  const trustProxy = env().TRUST_PROXY > 0;
  const host = (trustProxy && headers.get("x-forwarded-host")?.split(",")[0]?.trim()) || headers.get("host");
  if (!host) return null;
  const proto = (trustProxy && headers.get("x-forwarded-proto")?.split(",")[0]?.trim()) || "http";
  try {
    return new URL(`${proto}://${host}`).origin;
  } catch {
    return null;
  }
}

/**
 * True when a browser sent this request from the desk's own pages: `Origin` is the desk's
 * URL (or the host the request was addressed to), else `Sec-Fetch-Site: same-origin`.
 * A request with neither header is refused: every browser in use sends one of them on a
 * state-changing request, and scripts should use an API key instead of a session cookie.
 */
export function isSameOriginRequest(req: { headers: Headers }): boolean {
  const origin = req.headers.get("origin");
  if (origin !== null) {
    if (origin === "null") return false;
    let o: string;
    try {
      o = new URL(origin).origin;
    } catch {
      return false;
    }
    return o === deskOrigin() || o === requestHostOrigin(req.headers);
  }
  return req.headers.get("sec-fetch-site") === "same-origin";
}
