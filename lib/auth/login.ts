import "server-only";
import { getDb } from "@/db";
import { authSecret } from "@/lib/config";
import { encodeSessionToken, sessionSetCookie } from "./session-cookie";
import { createSession } from "./sessions";

/** Opens a session for `user` and sets its cookie on `res`. */
export async function startSession(
  res: Response,
  user: string,
  name: string,
  info: { ip?: string; userAgent?: string },
  sid?: string,
): Promise<string> {
  const id = sid ?? (await createSession(getDb(), user, info));
  res.headers.append("set-cookie", sessionSetCookie(await encodeSessionToken({ user, sid: id, name }, authSecret())));
  return id;
}
