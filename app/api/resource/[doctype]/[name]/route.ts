// GET /api/resource/Webhook Request Log | Activity Log/<name> — one document; writes answer 405
import { withRole } from "@/lib/auth/guard";
import { methodNotAllowed } from "@/lib/services/request-log/request-log-http";
import { resourceFor } from "../resources";

type P = { doctype: string; name: string };

export const GET = withRole<P>((_req, { actor, params }) => resourceFor(params.doctype).get(actor, params.name));

const readOnly = withRole<P>((_req, { params }) => methodNotAllowed(resourceFor(params.doctype).readOnly.doc));
export const POST = readOnly;
export const PUT = readOnly;
export const DELETE = readOnly;
