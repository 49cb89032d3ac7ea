import { AppError } from "@/lib/errors";

/**
 * `application/json` exactly, with a charset parameter allowed (`; charset=utf-8`) and nothing else.
 * `text/plain; application/json`, which a browser sends cross-site without a preflight, is not.
 */
export function isJsonMediaType(value: string | null | undefined): boolean {
  if (!value) return false;
  const [type, ...params] = value.split(";");
  if (type?.trim().toLowerCase() !== "application/json") return false;
  return params.every((p) => /^\s*charset\s*=\s*("[^"]*"|[^\s";]+)\s*$/i.test(p));
}

/** What an unauthenticated request may make the server hold in memory. */
export const UNAUTHENTICATED_BODY_LIMIT = 64 * 1024;

const tooLarge = (limit: number) =>
  new AppError(
    "PAYLOAD_TOO_LARGE",
    limit >= 1024 * 1024
      ? `The body is larger than ${limit / 1024 / 1024} MiB; send fewer events per request`
      : `The body is larger than ${limit / 1024} KiB`,
  );

/**
 * Reads at most `limit` bytes of a request body as UTF-8: a declared Content-Length over the
 * limit is refused before a byte is read, and bytes are counted as they arrive.
 */
export async function readLimited(req: Request, limit: number): Promise<string> {
  const declared = Number(req.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read().catch(() => {
      throw new AppError("BAD_REQUEST", "The body could not be read (the connection closed early?)");
    });
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(all);
  } catch {
    throw new AppError("BAD_REQUEST", "The body is not valid UTF-8");
  }
}
