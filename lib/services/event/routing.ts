// The routing trail stored on each event: for every webhook on the DocType, whether it
// matched and, if not, why — with the document values its condition read.

type RoutingReason = "disabled" | "other_event" | "condition_false" | "condition_error" | "render_error" | "superseded";

export interface RoutingEntry {
  webhook: string;
  /** The webhook's events and condition matched this event (a request was or would have been made). */
  matched: boolean;
  reason?: RoutingReason;
  condition?: string;
  /** `doc.<path>` → value, for the paths the condition reads (best effort). */
  values?: Record<string, unknown>;
  error?: string;
  request_log?: string;
  /** For "superseded": the later event of the same request that carries the delivery. */
  superseded_by?: string;
}

const pathCache = new Map<string, string[]>();

/** `doc.x.y` and `doc.get("x")` paths a condition mentions. */
function conditionPaths(condition: string): string[] {
  let paths = pathCache.get(condition);
  if (paths) return paths;
  const found = new Set<string>();
  for (const m of condition.matchAll(/\bdoc\.(?!get\b)([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)/g)) if (m[1]) found.add(m[1]);
  for (const m of condition.matchAll(/\bdoc(?:\.get\(\s*|\[\s*)["']([^"']+)["']/g)) if (m[1]) found.add(m[1]);
  paths = [...found].slice(0, 20);
  if (pathCache.size > 1000) pathCache.clear();
  pathCache.set(condition, paths);
  return paths;
}

function summarize(v: unknown): unknown {
  if (Array.isArray(v)) return `[${v.length} item${v.length === 1 ? "" : "s"}]`;
  if (v && typeof v === "object") return "{…}";
  if (typeof v === "string" && v.length > 200) return v.slice(0, 200) + "…";
  return v === undefined ? null : v;
}

export function conditionValues(condition: string, doc: Record<string, unknown>): Record<string, unknown> | undefined {
  const paths = conditionPaths(condition);
  if (!paths.length) return undefined;
  const out: Record<string, unknown> = {};
  for (const p of paths) {
    let v: unknown = doc;
    for (const part of p.split(".")) v = v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>)[part] : undefined;
    out[`doc.${p}`] = summarize(v);
  }
  return out;
}
