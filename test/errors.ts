// Test helper: the AppError a call throws (or its promise rejects with), so a test can
// assert on its code.
import { AppError } from "@/lib/errors";

/** The AppError `fn` throws or rejects with; fails the test when it is something else or nothing. */
export async function errorOf(fn: () => unknown): Promise<AppError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error("expected an AppError");
}
