// POST /api/resource/User/<name>/api-key — generate an API key + secret (the secret is shown once)
import { NextResponse } from "next/server";
import { withRole } from "@/lib/auth/guard";
import { createApiKey } from "@/lib/services/user/users";

export const POST = withRole<{ name: string }>(async (_req, { actor, params }) => {
  const k = await createApiKey(actor, params.name);
  return NextResponse.json({ data: { api_key: k.key, api_secret: k.secret } }, { status: 201 });
});
