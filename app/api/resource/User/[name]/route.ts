// GET/PUT /api/resource/User/<name> — read a user, update name/enabled/roles/password
import { NextResponse } from "next/server";
import { readJson, withRole } from "@/lib/auth/guard";
import { getUser, updateUser } from "@/lib/services/users";

type P = { name: string };

export const GET = withRole<P>((_req, { actor, params }) => NextResponse.json({ data: getUser(actor, params.name) }));

export const PUT = withRole<P>(async (req, { actor, params }) => {
  updateUser(actor, params.name, await readJson(req));
  return NextResponse.json({ data: getUser(actor, params.name) });
});
