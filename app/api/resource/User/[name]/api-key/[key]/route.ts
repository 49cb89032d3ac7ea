// DELETE /api/resource/User/<name>/api-key/<key> — revoke an API key
import { NextResponse } from "next/server";
import { withRole } from "@/lib/auth/guard";
import { revokeApiKey } from "@/lib/services/user/users";

export const DELETE = withRole<{ name: string; key: string }>(async (_req, { actor, params }) => {
  await revokeApiKey(actor, params.name, params.key);
  return NextResponse.json({ message: "ok" });
});
