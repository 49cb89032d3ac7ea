// The body of POST /api/events: one event or an array of up to 1000, validated with
// messages that name the field and index (`events[3].event: must be one of ...`).
import { z } from "zod";
import { DOC_EVENTS } from "@/lib/constants";
import { AppError } from "@/lib/errors";

const MAX_EVENTS_PER_REQUEST = 1000;
export const MAX_BODY_BYTES = 1024 * 1024;
/** Deeper documents are refused: JSON.stringify and templates recurse, and no real doc nests this far. */
const MAX_DOC_DEPTH = 64;

/** True when `value` nests objects/arrays deeper than `max` levels. Iterative: depth can't overflow the stack. */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [v, depth] = item;
    if (v === null || typeof v !== "object") continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
    }
  }
  return false;
}

const must = (what: string) => (issue: { input?: unknown }) =>
  issue.input === undefined
    ? "is required"
    : `must be ${what}, not ${issue.input === null ? "null" : Array.isArray(issue.input) ? "an array" : typeof issue.input}`;

/** One event of POST /api/events (also in the OpenAPI document, lib/openapi). */
export const eventInputSchema = z.object({
  doctype: z
    .string({ error: must("a string") })
    .trim()
    .min(1, "must not be empty")
    .max(140, "must be at most 140 characters"),
  event: z.enum(DOC_EVENTS, { error: () => `must be one of ${DOC_EVENTS.join(", ")}` }),
  doc: z
    .looseObject(
      {
        name: z
          .string({ error: must("a string") })
          .trim()
          .min(1, "must not be empty")
          .max(255, "must be at most 255 characters"),
      },
      { error: must("an object") },
    )
    .describe("The document as it is at this event (any fields; `name` is required)"),
  user: z
    .string({ error: must("a string") })
    .max(255, "must be at most 255 characters")
    .nullish()
    .describe("Who made the change in the host app: informational (who is authorised is the API key's user)"),
  id: z
    .string({ error: must("a string") })
    .min(1, "must not be empty")
    .max(255, "must be at most 255 characters")
    .optional()
    .describe("Idempotency key: an event whose id the desk has seen before is accepted once, e.g. <doctype>:<name>:<modified>:<event>"),
});
export type EventInput = z.infer<typeof eventInputSchema>;

export const batchSchema = z
  .array(eventInputSchema)
  .min(1, "must contain at least one event")
  .max(MAX_EVENTS_PER_REQUEST, `must contain at most ${MAX_EVENTS_PER_REQUEST} events per request`);

function where(path: PropertyKey[], batch: boolean): string {
  let out = batch ? "events" : "";
  path.forEach((p, i) => {
    if (typeof p === "number") out += `[${p}]`;
    else out += (out || i > 0 ? "." : "") + String(p);
  });
  return out || "body";
}

/** Validates a parsed JSON body; throws a 400 AppError naming the first bad field. */
export function parseEventsBody(body: unknown): EventInput[] {
  const batch = Array.isArray(body);
  if (!batch && (body === null || typeof body !== "object")) {
    throw new AppError("BAD_REQUEST", "body: must be an event object or an array of events");
  }
  const result = batch ? batchSchema.safeParse(body) : eventInputSchema.safeParse(body);
  if (result.success) {
    const events = Array.isArray(result.data) ? result.data : [result.data];
    events.forEach((e, i) => {
      if (nestedDeeperThan(e.doc, MAX_DOC_DEPTH)) {
        const field = batch ? `events[${i}].doc` : "doc";
        const message = `nested deeper than ${MAX_DOC_DEPTH} levels`;
        throw new AppError("BAD_REQUEST", `${field}: ${message}`, { [field]: message });
      }
    });
    return events;
  }
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) fields[where(issue.path, batch)] ??= issue.message;
  const [first, message] = Object.entries(fields)[0] ?? ["body", "is invalid"];
  throw new AppError("BAD_REQUEST", `${first}: ${message}`, fields);
}
