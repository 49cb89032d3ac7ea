import { SYSTEM_MANAGER } from "@/lib/constants";
import { AppError } from "@/lib/errors";

export interface Actor {
  user: string;
  fullName: string;
  roles: string[];
  via: "session" | "token";
  /** The session behind a cookie-authenticated request. */
  sid?: string;
  /** The API key behind a token-authenticated request. */
  apiKey?: string;
  /** The client's address (see lib/auth/request-origin.ts). */
  ip?: string;
}

export const hasRole = (actor: Pick<Actor, "roles"> | null | undefined, role = SYSTEM_MANAGER): boolean =>
  !!actor && actor.roles.includes(role);

/** The first line of every service verb: signed in, and a System Manager. */
export function requireManager(actor: Actor | null | undefined): asserts actor is Actor {
  if (!actor) throw new AppError("UNAUTHORIZED", "Login required");
  if (!hasRole(actor)) throw new AppError("FORBIDDEN", `Not permitted: requires the ${SYSTEM_MANAGER} role`);
}
