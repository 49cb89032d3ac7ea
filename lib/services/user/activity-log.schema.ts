// Filters of the Activity Log list, shared by the list page, the REST route and the service
// (which parses again). Drizzle-free so client components may import it.
import { z } from "@/lib/zod";
import { dateBound, optionalText } from "../frappe-rest/list-filter.schema";

export const activityFiltersSchema = z.object({
  /** Exact operation, e.g. "Login Failed". Free text: rows outlive renamed operations. */
  operation: optionalText,
  /** Who acted ("Guest" for anonymous sign-in attempts, "cli" for the command line). */
  user: optionalText,
  /** Part of the subject: "ann@example.com" finds "User/ann@example.com". */
  subject: optionalText,
  /** The client address, exactly. */
  ip: optionalText,
  from: dateBound,
  to: dateBound,
});
export type ActivityFiltersInput = z.input<typeof activityFiltersSchema>;
export type ActivityFilters = z.output<typeof activityFiltersSchema>;

export const ACTIVITY_FILTER_KEYS = Object.keys(activityFiltersSchema.shape) as (keyof typeof activityFiltersSchema.shape)[];
