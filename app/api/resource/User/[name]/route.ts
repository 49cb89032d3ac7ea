// GET/PUT /api/resource/User/<name> — read a user, update name/enabled/roles/password
import { NextResponse } from "next/server";
import { readJson, withRole } from "@/lib/auth/guard";
import { startSession } from "@/lib/auth/login";
import { getUser, updateUser } from "@/lib/services/user/users";

type P = { name: string };

export const GET = withRole<P>(async (_req, { actor, params }) => NextResponse.json({ data: await getUser(actor, params.name) }));

export const PUT = withRole<P>(async (req, { actor, params }) => {
  const { sessionsEnded } = await updateUser(actor, params.name, await readJson(req));
  const res = NextResponse.json({ data: await getUser(actor, params.name) });
  // Changing your own password ends every session you had, this one too; carry on in a new one.
  if (sessionsEnded && actor.via === "session" && actor.user === params.name) {
    await startSession(res, actor.user, actor.fullName, { ip: actor.ip, userAgent: req.headers.get("user-agent") ?? "" });
  }
  return res;
});
