// GET /api/openapi.json — the OpenAPI 3.1 document of the public API (lib/openapi)
import { NextResponse } from "next/server";
import { publicRoute } from "@/lib/auth/guard";
import { openApiDocument } from "@/lib/openapi/document";

export const dynamic = "force-dynamic";

// Public, like /healthz: it describes the API and holds no data, and client generators
// (openapi-generator, openapi-typescript) fetch it without credentials.
export const GET = publicRoute(() => NextResponse.json(openApiDocument()));
