// Filter fields shared by the keyset lists (Webhook Request Log, Activity Log): the page,
// the REST routes and the services parse the same way. Drizzle-free so client components
// may import it.
import { z } from "@/lib/zod";

/** A trimmed text filter; blank means "no filter". */
export const optionalText = z
  .string()
  .trim()
  .max(255)
  .optional()
  .transform((v) => v || undefined);

/** A date (YYYY-MM-DD, a day in server time), an ISO timestamp, or epoch ms. */
export const dateBound = z
  .union([z.string().trim().max(40), z.number()])
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === "") return undefined;
    const ms =
      typeof v === "number"
        ? v
        : /^\d+$/.test(v)
          ? Number(v)
          : /^\d{4}-\d{2}-\d{2}$/.test(v)
            ? new Date(`${v}T00:00:00`).getTime()
            : Date.parse(v);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: "custom", message: "must be a date (YYYY-MM-DD)" });
      return z.NEVER;
    }
    return { ms, dateOnly: typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v) };
  });
export type DateBound = NonNullable<z.output<typeof dateBound>>;
