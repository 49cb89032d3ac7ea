// GET /api/desk-search?q=… — the awesomebar's records: webhooks, documents (the Request Log by reference document), log entries, events, DocTypes, users
import { NextResponse } from "next/server";
import { withRole } from "@/lib/auth/guard";
import { searchDesk } from "@/lib/services/desk-search/desk-search";

export const GET = withRole(async (req, { actor }) =>
  NextResponse.json({ data: await searchDesk(actor, req.nextUrl.searchParams.get("q") ?? "") }),
);
