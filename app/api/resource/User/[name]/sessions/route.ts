// GET/DELETE /api/resource/User/<name>/sessions — a user's signed-in sessions; DELETE logs them out from all devices
import { NextResponse } from "next/server";
import { withRole } from "@/lib/auth/guard";
import { endAllUserSessions, listUserSessions } from "@/lib/services/user/users";

type P = { name: string };

export const GET = withRole<P>(async (_req, { actor, params }) => NextResponse.json({ data: await listUserSessions(actor, params.name) }));

export const DELETE = withRole<P>(async (_req, { actor, params }) =>
  NextResponse.json({ data: { ended: await endAllUserSessions(actor, params.name) } }),
);
