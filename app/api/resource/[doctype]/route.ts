// GET /api/resource/Webhook Request Log | Activity Log — list (keyset pages); writes answer 405.
// A dynamic segment because Next does not route a folder whose name has spaces; the static
// resources (DocType, User, Webhook) still win over it, and any other name answers 404.
import { withRole } from "@/lib/auth/guard";
import { methodNotAllowed } from "@/lib/services/request-log/request-log-http";
import { resourceFor } from "./resources";

type P = { doctype: string };

export const GET = withRole<P>((req, { actor, params }) => resourceFor(params.doctype).list(req, actor));

const readOnly = withRole<P>((_req, { params }) => methodNotAllowed(resourceFor(params.doctype).readOnly.list));
export const POST = readOnly;
export const PUT = readOnly;
export const DELETE = readOnly;
