import "server-only";
import { getServerSession } from "next-auth";
import { forbidden, notFound, redirect } from "next/navigation";
import { NextResponse, type NextRequest } from "next/server";
import { SYSTEM_MANAGER } from "@/lib/constants";
import { AppError, toErrorBody } from "@/lib/errors";
import { actorFor, actorForToken } from "@/lib/services/users";
import { authOptions } from "./options";
import { hasRole, type Actor } from "./roles";

/** The signed-in user (session cookie), or null. */
export async function sessionActor(): Promise<Actor | null> {
  const session = await getServerSession(authOptions);
  return session?.userName ? actorFor(session.userName, "session") : null;
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

/** Session or `Authorization: token key:secret`, for route handlers. */
export async function requestActor(req: Request): Promise<Actor> {
  const header = req.headers.get("authorization");
  if (header) {
    const check = actorForToken(header);
    if (!check) throw new AppError("UNAUTHORIZED", "Unsupported Authorization header; use `token <api_key>:<api_secret>`");
    if (!check.ok) throw new AppError(check.code, check.message);
    return check.actor;
  }
  const actor = await sessionActor();
  if (!actor) throw new AppError("UNAUTHORIZED", "Login required");
  return actor;
}

type Ctx<P> = { params: Promise<P> };
type Handler<P> = (req: NextRequest, ctx: { actor: Actor; params: P }) => Promise<Response> | Response;

/** Wraps a route handler: authenticates, checks the role, and turns errors into JSON. */
export function withRole<P = Record<string, string>>(handler: Handler<P>, role: string | null = SYSTEM_MANAGER) {
  return async (req: NextRequest, ctx: Ctx<P>): Promise<Response> => {
    try {
      const actor = await requestActor(req);
      if (role && !hasRole(actor, role)) throw new AppError("FORBIDDEN", `Not permitted: requires the ${role} role`);
      return await handler(req, { actor, params: await ctx.params });
    } catch (err) {
      return errorResponse(err);
    }
  };
}

export function errorResponse(err: unknown): Response {
  // redirect()/forbidden() throw control-flow errors that Next must see.
  if (err instanceof Error && typeof (err as { digest?: unknown }).digest === "string") throw err;
  const { status, body } = toErrorBody(err);
  return NextResponse.json(body, { status });
}

/** Reads a JSON body, answering 400/415 rather than throwing a raw SyntaxError. */
export async function readJson(req: Request): Promise<unknown> {
  const type = req.headers.get("content-type") ?? "";
  if (!type.toLowerCase().includes("application/json")) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Send a JSON body with Content-Type: application/json");
  }
  try {
    return await req.json();
  } catch {
    throw new AppError("BAD_REQUEST", "The body is not valid JSON");
  }
}

/** Runs a service read for a page, turning its NOT_FOUND into Next's 404 page. */
export function orNotFound<T>(load: () => T): T {
  try {
    return load();
  } catch (e) {
    if (e instanceof AppError && e.code === "NOT_FOUND") notFound();
    throw e;
  }
}
