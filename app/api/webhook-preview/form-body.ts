import { AppError } from "@/lib/errors";

const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);

/**
 * The body of /api/webhook-preview and /api/webhook-test: `{ webhook: {...form}, document, saved_name }`,
 * or the form's fields flat with `preview_document`.
 */
export function unsavedFormBody(body: unknown): { webhook: unknown; document?: string; savedName?: string } {
  if (!body || typeof body !== "object" || Array.isArray(body)) throw new AppError("BAD_REQUEST", "Send { webhook, document }");
  const b = body as Record<string, unknown>;
  const webhook = b.webhook && typeof b.webhook === "object" ? b.webhook : b;
  return {
    webhook,
    document: str(b.document) ?? str((webhook as Record<string, unknown>).preview_document),
    savedName: str(b.saved_name),
  };
}
