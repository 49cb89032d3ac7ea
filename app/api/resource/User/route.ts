// GET/POST /api/resource/User — list users, create a user (System Manager only)
import { NextResponse } from "next/server";
import { readJson, withRole } from "@/lib/auth/guard";
import { createUser, getUser, listUsers } from "@/lib/services/user/users";

export const GET = withRole((_req, { actor }) => NextResponse.json({ data: listUsers(actor) }));

export const POST = withRole(async (req, { actor }) => {
  const name = await createUser(actor, await readJson(req));
  return NextResponse.json({ data: getUser(actor, name) }, { status: 201 });
});
