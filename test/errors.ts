// Test helper: the AppError a call throws, so a test can assert on its code.
import { AppError } from "@/lib/errors";

/** The AppError `fn` throws; fails the test when it throws something else or nothing. */
export function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error("expected an AppError");
}
