import "server-only";
import { timingSafeEqual } from "node:crypto";
import { cookies } from "next/headers";
import { forbidden, notFound, redirect } from "next/navigation";
import { NextRequest, NextResponse } from "next/server";
import { getDb } from "@/db";
import { authSecret } from "@/lib/config";
import { SYSTEM_MANAGER } from "@/lib/constants";
import { AppError, asAppError, toErrorBody } from "@/lib/errors";
import { isJsonMediaType } from "@/lib/http-body";
import { logger } from "@/lib/log";
import { actorFor, actorForToken } from "./identity";
import { clientAddress, isSafeMethod, isSameOriginRequest } from "./request-origin";
import { hasRole, type Actor } from "./roles";
import { decodeSessionToken, refreshedCookieFor, sessionCookieValue, type SessionToken } from "./session-cookie";
import { sessionUser } from "./sessions";

// The one guard. Every route handler is wrapped by `guard` (or `withRole`, or `publicRoute`
// for the sign-in routes), and every desk page calls `requireDeskPage`; a test fails for a
// route file whose handlers are not wrapped. In order, the guard:
//   1. authenticates: `Authorization: token key:secret`, else the session cookie (a live row
//      in `session`), else 401;
//   2. refuses a state-changing request authenticated by the cookie unless it comes from the
//      desk's own origin (CSRF; token requests carry no cookie and are exempt) — 403;
//   3. checks the role — 403;
//   4. refuses a body whose media type is not application/json — 415 — before any is read.

const log = logger("api");

export const GUARDED = Symbol.for("webhook-desk.guarded");

/** This request's session: its cookie's token and the user, while the session row lives. */
async function liveSession(): Promise<{ actor: Actor; token: SessionToken } | null> {
  const jar = await cookies();
  const token = await decodeSessionToken(
    sessionCookieValue((n) => jar.get(n)?.value),
    authSecret(),
  );
  if (!token) return null;
  const db = getDb();
  const user = await sessionUser(token.sid, db);
  if (!user || user !== token.user) return null;
  const actor = await actorFor(user, "session", db, { sid: token.sid });
  return actor ? { actor, token } : null;
}

/** The signed-in user of this request's session cookie, or null. */
export async function sessionActor(): Promise<Actor | null> {
  return (await liveSession())?.actor ?? null;
}

/**
 * For every desk page: anonymous → /login?next=<path>; without the role → 403 page.
 * Each page calls this itself; the proxy's redirect is only a convenience.
 */
export async function requireDeskPage(path: string, role = SYSTEM_MANAGER): Promise<Actor> {
  const actor = await sessionActor();
  if (!actor) redirect(`/login?next=${encodeURIComponent(path)}`);
  if (!hasRole(actor, role)) forbidden();
  return actor;
}

export interface Access {
  /** Any one of these roles is required. */
  roles: readonly string[];
  /** "token": API keys only (host apps); a session cookie is not accepted. */
  credentials?: "session-or-token" | "token";
  /**
   * Also accepted: `Authorization: Bearer <this>` (e.g. METRICS_TOKEN for Prometheus), read on
   * each request; undefined or empty turns bearer access off.
   */
  bearerToken?: () => string | undefined;
}

/** The actor of a request that presented the route's bearer token: it gets the route's roles. */
function bearerActor(req: Request, access: Access): Actor | undefined {
  const header = req.headers.get("authorization") ?? "";
  if (!access.bearerToken || !/^bearer\s/i.test(header)) return undefined;
  const expected = access.bearerToken();
  const given = Buffer.from(header.slice(7).trim());
  const want = Buffer.from(expected ?? "");
  if (!expected || given.length !== want.length || !timingSafeEqual(given, want)) {
    throw new AppError("UNAUTHORIZED", expected ? "Invalid bearer token" : "Bearer tokens are not enabled for this route");
  }
  return { user: "bearer-token", fullName: "Bearer token", roles: [...access.roles], via: "token", ip: clientAddress(req) };
}

/** Authenticates a route handler's request (step 1 of the guard); `token` for a session. */
async function requestActor(
  req: Request,
  credentials: Access["credentials"] = "session-or-token",
): Promise<{ actor: Actor; token?: SessionToken }> {
  const ip = clientAddress(req);
  const header = req.headers.get("authorization");
  if (header) {
    const check = await actorForToken(header, getDb(), ip);
    if (!check) throw new AppError("UNAUTHORIZED", "Unsupported Authorization header; use `token <api_key>:<api_secret>`");
    if (!check.ok) throw new AppError(check.code, check.message);
    return { actor: check.actor };
  }
  if (credentials === "token") throw new AppError("UNAUTHORIZED", "Send Authorization: token <api_key>:<api_secret>");
  const session = await liveSession();
  if (!session) throw new AppError("UNAUTHORIZED", "Login required");
  return { actor: { ...session.actor, ip }, token: session.token };
}

const hasBody = (req: Request) => {
  const length = req.headers.get("content-length");
  return (length !== null && length.trim() !== "0") || req.headers.has("transfer-encoding");
};

type Ctx<P> = { params: Promise<P> };
type Handler<P> = (req: NextRequest, ctx: { actor: Actor; params: P }) => Promise<Response> | Response;
export type RouteHandler<P> = ((req: Request, ctx?: Ctx<P>) => Promise<Response>) & { [GUARDED]: Access | "public" };

const asNext = (req: Request) => (req instanceof NextRequest ? req : new NextRequest(req));
/**
 * The route's params as Next 16 hands them to route handlers: each segment already decoded
 * once ("Orders%2520EU" arrives as "Orders%20EU"), so they are passed on untouched — no
 * handler decodes again (pages do, see pageParam in lib/services/frappe-rest/adapter.ts).
 */
const paramsOf = async <P>(ctx: Ctx<P> | undefined) => (ctx ? await ctx.params : ({} as P));

const rolesText = (roles: readonly string[]) => roles.join(" or ");

export function guard<P = Record<string, string>>(access: Access, handler: Handler<P>): RouteHandler<P> {
  const wrapped = async (raw: Request, ctx?: Ctx<P>): Promise<Response> => {
    try {
      const req = asNext(raw);
      const bearer = bearerActor(req, access);
      const { actor, token } = bearer ? { actor: bearer, token: undefined } : await requestActor(req, access.credentials);
      const unsafe = !isSafeMethod(req.method);
      if (actor.via === "session" && unsafe && !isSameOriginRequest(req)) {
        throw new AppError("FORBIDDEN", "Cross-origin request refused: this action must come from the desk's own pages");
      }
      if (!access.roles.some((r) => hasRole(actor, r))) {
        throw new AppError("FORBIDDEN", `Not permitted: requires the ${rolesText(access.roles)} role`);
      }
      if (unsafe && req.headers.has("content-type") && hasBody(req) && !isJsonMediaType(req.headers.get("content-type"))) {
        throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Send a JSON body with Content-Type: application/json");
      }
      const res = await handler(req, { actor, params: await paramsOf(ctx) });
      if (token) await slideSession(token, res);
      return res;
    } catch (err) {
      return errorResponse(err);
    }
  };
  return Object.assign(wrapped, { [GUARDED]: access });
}

/** Wraps a route handler for one role (System Manager unless another is named). */
export function withRole<P = Record<string, string>>(handler: Handler<P>, role: string = SYSTEM_MANAGER): RouteHandler<P> {
  return guard({ roles: [role] }, handler);
}

/**
 * A route anyone may call (sign-in, sign-out): still marked for the route test, and it turns
 * errors into JSON. Its body limits and origin rules are the handler's own.
 */
export function publicRoute<P = Record<string, string>>(
  handler: (req: NextRequest, ctx: Ctx<P>) => Promise<Response> | Response,
): RouteHandler<P> {
  const wrapped = async (req: Request, ctx?: Ctx<P>): Promise<Response> => {
    try {
      return await handler(asNext(req), ctx ?? { params: Promise.resolve({} as P) });
    } catch (err) {
      return errorResponse(err);
    }
  };
  return Object.assign(wrapped, { [GUARDED]: "public" as const });
}

/** Re-issues an ageing session cookie on the response, so an active session slides on. */
async function slideSession(token: SessionToken, res: Response): Promise<void> {
  const fresh = await refreshedCookieFor(token, authSecret());
  if (!fresh) return;
  try {
    res.headers.append("set-cookie", fresh);
  } catch {
    // an immutable Response (a redirect made by Next): the next request refreshes it
  }
}

export function errorResponse(raw: unknown): Response {
  // redirect()/forbidden() throw control-flow errors that Next must see.
  if (raw instanceof Error && typeof (raw as { digest?: unknown }).digest === "string") throw raw;
  const err = asAppError(raw);
  // Shown to the caller as a plain 500 INTERNAL; the details go to the log only.
  if (!(err instanceof AppError)) log.error({ err }, "unexpected error: answered 500 INTERNAL");
  const { status, body } = toErrorBody(err);
  const headers: Record<string, string> = {};
  if (err instanceof AppError && err.retryAfterS) headers["Retry-After"] = String(err.retryAfterS);
  return NextResponse.json(body, { status, headers });
}

/** Reads a JSON body, answering 400/415 rather than throwing a raw SyntaxError. */
export async function readJson(req: Request): Promise<unknown> {
  if (!isJsonMediaType(req.headers.get("content-type"))) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Send a JSON body with Content-Type: application/json");
  }
  try {
    return await req.json();
  } catch {
    throw new AppError("BAD_REQUEST", "The body is not valid JSON");
  }
}

/** An optional JSON body: empty is `{}`; anything else must be JSON. */
export async function readOptionalJson(req: Request): Promise<unknown> {
  const text = await req.text();
  if (text.trim() === "") return {};
  if (!isJsonMediaType(req.headers.get("content-type"))) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Send a JSON body with Content-Type: application/json");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("BAD_REQUEST", "The body is not valid JSON");
  }
}

/** Runs a service read for a page, turning its NOT_FOUND into Next's 404 page. */
export async function orNotFound<T>(load: () => Promise<T> | T): Promise<T> {
  try {
    return await load();
  } catch (e) {
    if (e instanceof AppError && e.code === "NOT_FOUND") notFound();
    throw e;
  }
}
