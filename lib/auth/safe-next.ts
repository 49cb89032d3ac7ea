// Where to go after login: only a path on this site. `//evil.example` and `/\evil.example`
// (browsers read a backslash as a slash) would otherwise send a user elsewhere.

const BASE = "http://desk.invalid";

export function safeNext(next: string | undefined | null, fallback = "/app"): string {
  if (!next || !next.startsWith("/")) return fallback;
  try {
    const url = new URL(next, BASE);
    if (url.origin !== BASE) return fallback;
    return url.pathname + url.search + url.hash;
  } catch {
    return fallback;
  }
}
