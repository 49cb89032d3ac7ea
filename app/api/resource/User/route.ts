// GET/POST /api/resource/User — list users, create a user (System Manager only)
import { NextResponse } from "next/server";
import { readJson, withRole } from "@/lib/auth/guard";
import { createUser, getUser, listUsers } from "@/lib/services/user/users";

export const GET = withRole(async (_req, { actor }) => NextResponse.json({ data: await listUsers(actor) }));

export const POST = withRole(async (req, { actor }) => {
  const name = await createUser(actor, await readJson(req));
  return NextResponse.json({ data: await getUser(actor, name) }, { status: 201 });
});
