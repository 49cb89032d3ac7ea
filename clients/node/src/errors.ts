// The desk's answers other than success, as typed errors: `{ "error": { "code", "message", "fields"? } }`.

/** Any answer of the desk other than success. */
export class WebhookDeskError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: Record<string, string>,
    /** Seconds the desk asked to wait (Retry-After), for 429 and 503. */
    readonly retryAfterS?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** The indexes of the events a batch's 400 names (`events[3].event` → 3). */
  eventIndexes(): number[] {
    const keys = [...Object.keys(this.fields ?? {}), this.message];
    const found = keys.flatMap((k) => {
      const m = /^events\[(\d+)\]/.exec(k);
      return m ? [Number(m[1])] : [];
    });
    return [...new Set(found)];
  }
}

/** 400 or 422: the body or a field is invalid; `fields` maps the field to its message. */
export class ValidationError extends WebhookDeskError {}
/** 401: no valid API key. */
export class AuthenticationError extends WebhookDeskError {}
/** 403: the key's user lacks the role. */
export class PermissionError extends WebhookDeskError {}
/** 404. */
export class NotFoundError extends WebhookDeskError {}
/** 409: in the way of another change. */
export class ConflictError extends WebhookDeskError {}
/** 413: the request was larger than the desk takes. */
export class PayloadTooLargeError extends WebhookDeskError {}
/** 429 and 5xx that were still failing after every attempt. */
export class UnavailableError extends WebhookDeskError {}

/** One event larger than a request may be (1 MiB): never sent. */
export class EventTooLargeError extends Error {
  constructor(
    readonly eventId: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`Event ${eventId} is ${bytes} bytes as JSON; a request to the desk takes at most ${limit}`);
    this.name = "EventTooLargeError";
  }
}

export const isRetryable = (status: number) => status === 408 || status === 429 || status >= 500;

const CLASSES: Record<number, typeof WebhookDeskError> = {
  400: ValidationError,
  401: AuthenticationError,
  403: PermissionError,
  404: NotFoundError,
  409: ConflictError,
  413: PayloadTooLargeError,
  422: ValidationError,
};

export async function errorFromResponse(res: Response): Promise<WebhookDeskError> {
  const Class = CLASSES[res.status] ?? (isRetryable(res.status) ? UnavailableError : WebhookDeskError);
  const retryAfter = Number(res.headers.get("retry-after"));
  const retryAfterS = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined;
  const text = await res.text().catch(() => "");
  try {
    const { error } = JSON.parse(text) as { error: { code: string; message: string; fields?: Record<string, string> } };
    return new Class(res.status, error.code, error.message, error.fields, retryAfterS);
  } catch {
    return new Class(res.status, `HTTP_${res.status}`, text.slice(0, 200) || res.statusText, undefined, retryAfterS);
  }
}
