// Drizzle-free constants shared by the browser and the server.

export const SYSTEM_MANAGER = "System Manager";
/** May post to /api/events and nothing else: the role for a host app's API key. */
export const EVENT_PUBLISHER = "Event Publisher";
/** The roles a User can be given, in the order the User form lists them. */
export const ROLES = [SYSTEM_MANAGER, EVENT_PUBLISHER, "Desk User"] as const;

export const DOC_EVENTS = [
  "after_insert",
  "on_update",
  "on_submit",
  "on_cancel",
  "on_trash",
  "on_update_after_submit",
  "on_change",
] as const;
export type DocEvent = (typeof DOC_EVENTS)[number];

/** Doc Events that only make sense on a submittable DocType. */
export const SUBMIT_EVENTS: readonly DocEvent[] = ["on_submit", "on_cancel", "on_update_after_submit"];

export const REQUEST_METHODS = ["POST", "PUT", "DELETE", "PATCH"] as const;
export type RequestMethod = (typeof REQUEST_METHODS)[number];

export const REQUEST_STRUCTURES = ["", "Form URL-Encoded", "JSON", "Event Envelope"] as const;
export type RequestStructure = (typeof REQUEST_STRUCTURES)[number];

export const QUEUES = ["short", "default", "long"] as const;

export const SIGNATURE_SCHEMES = ["frappe", "standard", "both"] as const;
export type SignatureScheme = (typeof SIGNATURE_SCHEMES)[number];

export const NOTIFICATION_TYPES = ["REST"] as const;

/**
 * What a Request Log row's status means. Only lib/delivery changes it.
 * Queued: waiting for its first attempt. Delivered: the receiver answered 2xx.
 * Failed: the last attempt failed and a retry will follow (Next Retry says when).
 * Exhausted: no more attempts — retries used up, 410 Gone, or a one-shot send (Send Test,
 * Resend, Re-render and send) that failed. Error: never sendable (the condition or the
 * request failed to render, or the URL is refused). Cancelled: its webhook was deleted.
 */
export const LOG_STATUS = {
  queued: "Queued",
  delivered: "Delivered",
  failed: "Failed",
  exhausted: "Exhausted",
  error: "Error",
  cancelled: "Cancelled",
} as const;

/** Next Retry of a pending request whose webhook is disabled. */
export const HELD_TEXT = "held: webhook disabled";
export type LogStatus = (typeof LOG_STATUS)[keyof typeof LOG_STATUS];

export const CONDITION_EXAMPLES = ['doc.status=="Open"', "doc.due_date==nowdate()", "doc.total > 40000"];

export const FRAPPE_SIGNATURE_HEADER = "X-Frappe-Webhook-Signature";
