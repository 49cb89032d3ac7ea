// Filter fields shared by the keyset lists (Webhook Request Log, Activity Log): the page,
// the REST routes and the services parse the same way. Drizzle-free so client components
// may import it.
import { z } from "@/lib/zod";
import { fromFrappeDatetime, isDateOnly } from "./adapter";

/** A trimmed text filter; blank means "no filter". */
export const optionalText = z
  .string()
  .trim()
  .max(255)
  .optional()
  .transform((v) => v || undefined);

/**
 * A From/To bound, read as the REST adapter reads every datetime (UTC): a date alone
 * ("YYYY-MM-DD", a UTC day: a To date takes in the whole of it), Frappe's datetime text,
 * an ISO time with its offset, or epoch ms.
 */
export const dateBound = z
  .union([z.string().trim().max(40), z.number()])
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === "") return undefined;
    const ms = fromFrappeDatetime(v);
    if (ms === null) {
      ctx.addIssue({ code: "custom", message: "must be a date (YYYY-MM-DD)" });
      return z.NEVER;
    }
    return { ms, dateOnly: typeof v === "string" && isDateOnly(v) };
  });
export type DateBound = NonNullable<z.output<typeof dateBound>>;
