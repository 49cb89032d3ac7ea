// Where to go after sign-in: a path on this desk only. `next` is resolved with `new URL`
// against the desk's origin and used only when the origin stays the same; the result is
// returned as a path whose leading slashes are collapsed, so `/.//evil.example/x` (which
// resolves to the path `//evil.example/x`, a protocol-relative URL) cannot leave the site.
const BASE = "http://desk.invalid";

export function safeNext(next: string | undefined | null, fallback = "/app"): string {
  if (!next || !next.startsWith("/")) return fallback;
  try {
    const url = new URL(next, BASE);
    if (url.origin !== BASE) return fallback;
    const path = url.pathname.replace(/^[/\\]+/, "/");
    const target = new URL(path + url.search + url.hash, BASE);
    if (target.origin !== BASE) return fallback;
    return target.pathname + target.search + target.hash;
  } catch {
    return fallback;
  }
}
