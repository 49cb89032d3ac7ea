// GET /readyz — readiness for load balancers: 200 {"status":"ok"} when the database answers,
// its migrations are applied and (where this process sends) the dispatcher runs and keeps up;
// otherwise 503 naming the first failing check. No sign-in and no data (lib/ops/health.ts).
import { NextResponse } from "next/server";
import { getDb } from "@/db";
import { publicRoute } from "@/lib/auth/guard";
import { dispatcherState } from "@/lib/dispatcher";
import { readiness, readinessAnswer } from "@/lib/ops/health";

export const dynamic = "force-dynamic";

const ready = async (head: boolean) => {
  const { status, body, headers } = readinessAnswer(await readiness({ db: getDb(), dispatcher: dispatcherState }));
  return head ? new Response(null, { status, headers }) : NextResponse.json(body, { status, headers });
};

export const GET = publicRoute(() => ready(false));
export const HEAD = publicRoute(() => ready(true));
