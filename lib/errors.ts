import type { z } from "zod";
// Typed errors and the one table from error code to HTTP status. Route handlers turn
// these into `{ error: { code, message } }`; anything else becomes a generic 500 message.

export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  VALIDATION_ERROR: 422,
  TOO_MANY_REQUESTS: 429,
  INTERNAL: 500,
  /** The database's write lock or the render pool is taken; sent with Retry-After. */
  BUSY: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Field errors for forms: fieldname → message. */
    readonly fields?: Record<string, string>,
    /** Sent as Retry-After with a 429 or 503. */
    readonly retryAfterS?: number,
  ) {
    super(message);
    this.name = "AppError";
  }
  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const notFound = (what: string) => new AppError("NOT_FOUND", `${what} not found`);

/** A validation failure at one field, as Frappe's `frappe.throw` does for a form. */
export const invalid = (field: string, message: string) => new AppError("VALIDATION_ERROR", message, { [field]: message });

/**
 * The database error code of `err` or of what it wraps (drizzle wraps a failed query in
 * DrizzleQueryError with the driver's error as `cause`): "SQLITE_BUSY", "23505", "ECONNREFUSED"…
 */
export function dbErrorCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

/**
 * PostgreSQL codes that mean "not now" rather than "wrong": too many connections, the server
 * starting or shutting down, a serialization conflict that kept failing, a lock timeout.
 */
const PG_BUSY = new Set(["53300", "57P01", "57P03", "40001", "40P01", "55P03", "57014", "ECONNREFUSED", "ECONNRESET"]);

/** The messages of an error and of what it wraps (drizzle's DrizzleQueryError → pg's error). */
function errorChainText(err: unknown): string {
  const parts: string[] = [];
  for (let e = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof Error) parts.push(e.message);
  }
  return parts.join("\n");
}

/** The database being busy or away (SQLite's lock, PostgreSQL's limits) and a full render pool as 503 BUSY. */
export function asAppError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const code = dbErrorCode(err);
  if (code && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED") || PG_BUSY.has(code))) {
    return new AppError("BUSY", "The database is busy right now; try again in a moment", undefined, 1);
  }
  // pg's own messages: no pooled connection came in DATABASE_CONNECT_TIMEOUT_MS; the server
  // closed the connection (a restart, a failover) under a query.
  if (err instanceof Error && /timeout exceeded when trying to connect|Connection terminated/i.test(errorChainText(err))) {
    return new AppError("BUSY", "The database is busy right now; try again in a moment", undefined, 1);
  }
  if (err instanceof Error && err.name === "RenderPoolBusyError") {
    return new AppError("BUSY", "Too many templates are waiting to be rendered; try again in a moment", undefined, 1);
  }
  return err;
}

export function toErrorBody(raw: unknown): {
  status: number;
  body: { error: { code: string; message: string; fields?: Record<string, string> } };
} {
  const err = asAppError(raw);
  if (err instanceof AppError) {
    return {
      status: err.status,
      body: { error: { code: err.code, message: err.message, ...(err.fields ? { fields: err.fields } : {}) } },
    };
  }
  return { status: 500, body: { error: { code: "INTERNAL", message: "Something went wrong. The error was logged on the server." } } };
}

export function zodToAppError(error: z.ZodError): AppError {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.join(".") || "_";
    fields[key] ??= issue.message;
  }
  const first = error.issues[0];
  const where = first?.path.length ? `${first.path.join(".")}: ` : "";
  return new AppError("VALIDATION_ERROR", `${where}${first?.message ?? "Invalid input"}`, fields);
}
