// Frappe's form timeline for a tracked DocType: who created it, then who changed what, when.
import { WEBHOOK_LABELS } from "@/lib/services/webhook/webhook.schema";
import type { VersionEntry } from "@/lib/services/webhook/webhook-versions";

const label = (f: string) => WEBHOOK_LABELS[f] ?? f;

function show(v: unknown): string {
  if (v === true) return "Yes";
  if (v === false) return "No";
  if (v === "" || v === null || v === undefined) return "(blank)";
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s.length > 80 ? s.slice(0, 79) + "…" : s;
}

function ago(ms: number, now: number): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return "just now";
  const units: [number, string][] = [
    [86_400 * 365, "year"],
    [86_400 * 30, "month"],
    [86_400, "day"],
    [3600, "hour"],
    [60, "minute"],
  ];
  for (const [size, name] of units) {
    const n = Math.floor(s / size);
    if (n >= 1) return `${n} ${name}${n > 1 ? "s" : ""} ago`;
  }
  return "just now";
}

function Changes({ v }: { v: VersionEntry }) {
  const { changed = [], added = [], removed = [], row_changed = [], comment } = v.data;
  if (comment) return <span> {comment}</span>;
  const tables = (rows: [string, ...unknown[]][]) => [...new Set(rows.map((r) => label(r[0])))].join(", ");
  return (
    <>
      {changed.length > 0 && (
        <span>
          {" changed "}
          {changed.map(([f, a, b], i) => (
            <span key={f}>
              {i > 0 && ", "}
              <strong>{label(f)}</strong> from <code>{show(a)}</code> to <code>{show(b)}</code>
            </span>
          ))}
        </span>
      )}
      {added.length > 0 && (
        <span>
          {changed.length ? ";" : ""} added rows to <strong>{tables(added)}</strong>
        </span>
      )}
      {removed.length > 0 && (
        <span>
          {changed.length || added.length ? ";" : ""} removed rows from <strong>{tables(removed)}</strong>
        </span>
      )}
      {row_changed.length > 0 && (
        <span>
          {changed.length || added.length || removed.length ? ";" : ""} edited rows of <strong>{tables(row_changed)}</strong>
        </span>
      )}
    </>
  );
}

export function VersionTimeline({ versions, owner, creation }: { versions: VersionEntry[]; owner: string; creation: number }) {
  const now = Date.now();
  return (
    <section className="card" aria-labelledby="webhook-activity">
      <h2 id="webhook-activity">Activity</h2>
      <ul className="timeline" data-testid="version-timeline">
        {versions.map((v) => (
          <li key={v.id}>
            <strong>{v.owner}</strong>
            <Changes v={v} />
            <span className="muted" title={new Date(v.created).toISOString()}>
              {" · "}
              {ago(v.created, now)}
            </span>
          </li>
        ))}
        <li>
          <strong>{owner}</strong> created this
          <span className="muted" title={new Date(creation).toISOString()}>
            {" · "}
            {ago(creation, now)}
          </span>
        </li>
      </ul>
    </section>
  );
}
