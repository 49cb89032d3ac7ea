// GET/POST /api/webhook-request-log/<name>/rerender — preview the re-rendered request as a diff; send it
import { NextResponse } from "next/server";
import { withRole } from "@/lib/auth/guard";
import { reRenderAndSend, reRenderPreview } from "@/lib/services/request-log/request-log-resend";

type P = { name: string };

export const GET = withRole<P>(async (_req, { actor, params }) => NextResponse.json({ data: await reRenderPreview(actor, params.name) }));

export const POST = withRole<P>(async (_req, { actor, params }) => NextResponse.json({ data: await reRenderAndSend(actor, params.name) }));
