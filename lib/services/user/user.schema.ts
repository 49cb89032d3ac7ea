// Shared by the user forms (browser) and the user service (server). No Drizzle here.
import { z } from "@/lib/zod";

export const createUserSchema = z.object({
  email: z.string().trim().toLowerCase().email("Enter a valid email address"),
  fullName: z.string().trim().max(140).default(""),
  password: z.string().min(8, "Password must be at least 8 characters").max(200),
  roles: z.array(z.string()).default([]),
  enabled: z.boolean().default(true),
});
export type CreateUserInput = z.input<typeof createUserSchema>;

export const updateUserSchema = z.object({
  fullName: z.string().trim().max(140).optional(),
  enabled: z.boolean().optional(),
  /** Alert emails (lib/ops/alerts) for a System Manager. */
  sendAlertEmails: z.boolean().optional(),
  roles: z.array(z.string()).optional(),
  password: z.string().min(8, "Password must be at least 8 characters").max(200).optional(),
});
