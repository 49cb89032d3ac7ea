// Slows down password guessing: after a few failures for one account (or one address),
// each further attempt waits longer, and past a limit attempts are refused for a while.
// In memory: one server process serves the desk.

const WINDOW_MS = 15 * 60 * 1000;
const FREE_FAILURES = 3;
const LOCK_AFTER = 10;

interface Entry {
  failures: number;
  first: number;
}
const entries = new Map<string, Entry>();

function entry(id: string, now: number): Entry {
  const e = entries.get(id);
  if (!e || now - e.first > WINDOW_MS) {
    const fresh = { failures: 0, first: now };
    entries.set(id, fresh);
    return fresh;
  }
  return e;
}

/** Milliseconds to wait before checking this attempt, or -1 when locked out. */
export function attemptDelay(ids: string[], now = Date.now()): number {
  const failures = Math.max(0, ...ids.map((id) => entry(id, now).failures));
  if (failures >= LOCK_AFTER) return -1;
  if (failures < FREE_FAILURES) return 0;
  return Math.min(250 * 2 ** (failures - FREE_FAILURES), 8000);
}

export function recordFailure(ids: string[], now = Date.now()): void {
  for (const id of ids) entry(id, now).failures += 1;
  if (entries.size > 10_000) {
    for (const [k, e] of entries) if (now - e.first > WINDOW_MS) entries.delete(k);
  }
}

export function recordSuccess(ids: string[]): void {
  for (const id of ids) entries.delete(id);
}

export function lockoutMinutes(): number {
  return WINDOW_MS / 60_000;
}
