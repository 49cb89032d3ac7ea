import { SYSTEM_MANAGER } from "@/lib/constants";

export interface Actor {
  user: string;
  fullName: string;
  roles: string[];
  via: "session" | "token";
}

export const hasRole = (actor: Pick<Actor, "roles"> | null | undefined, role = SYSTEM_MANAGER): boolean =>
  !!actor && actor.roles.includes(role);
