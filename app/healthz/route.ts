// GET /healthz — liveness for load balancers and orchestrators: this process answers HTTP.
// No sign-in and no data (see lib/ops/health.ts); /readyz says whether it can do its work.
import { NextResponse } from "next/server";
import { publicRoute } from "@/lib/auth/guard";

export const dynamic = "force-dynamic";

const alive = () => NextResponse.json({ status: "ok" }, { headers: { "cache-control": "no-store" } });

export const GET = publicRoute(alive);
export const HEAD = publicRoute(() => new Response(null, { status: 200, headers: { "cache-control": "no-store" } }));
