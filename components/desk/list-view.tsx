import Link from "next/link";
import type { ReactNode } from "react";
import { ListFilters, type FilterDef } from "./list-filters";

export interface Column<T> {
  key: string;
  label: string;
  sortable?: boolean;
  render: (row: T) => ReactNode;
  /** Shown before the cell's content, outside the row's link (a bulk-select checkbox). */
  before?: (row: T) => ReactNode;
}

export type SearchParams = Record<string, string | string[] | undefined>;

export const param = (p: SearchParams, k: string): string => {
  const v = p[k];
  return (Array.isArray(v) ? v[0] : v) ?? "";
};

/** Rebuilds the current query string with some keys replaced (undefined/"" removes). */
export function withParams(basePath: string, p: SearchParams, changes: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) {
    const s = Array.isArray(v) ? v[0] : v;
    if (s && !(k in changes)) q.set(k, s);
  }
  for (const [k, v] of Object.entries(changes)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `${basePath}?${s}` : basePath;
}

/**
 * The desk's list view: filters, sortable columns, pagination, count and empty state.
 * Server-rendered from the URL, so every filtered page is a link a user can share.
 */
export function ListView<T>({
  basePath,
  columns,
  rows,
  rowKey,
  rowHref,
  filters = [],
  params,
  total,
  prevHref,
  nextHref,
  empty,
  sort,
  toolbar,
}: {
  basePath: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  rowHref?: (row: T) => string;
  filters?: FilterDef[];
  params: SearchParams;
  total?: number;
  prevHref?: string;
  nextHref?: string;
  empty: ReactNode;
  sort?: { field: string; order: "asc" | "desc" };
  toolbar?: ReactNode;
}) {
  const filtered = filters.some((f) => param(params, f.name));
  return (
    <div className="card list-card">
      {(filters.length > 0 || toolbar) && (
        <div className="list-toolbar">
          {filters.length > 0 && <ListFilters basePath={basePath} filters={filters} params={params} />}
          {toolbar && <div style={{ marginLeft: "auto" }}>{toolbar}</div>}
        </div>
      )}
      {rows.length === 0 ? (
        <div className="empty">{filtered ? "No results match these filters." : empty}</div>
      ) : (
        <div style={{ overflowX: "auto" }}>
          <table className="list">
            <thead>
              <tr>
                {columns.map((c) => {
                  const active = sort?.field === c.key;
                  const nextOrder = active && sort?.order === "desc" ? "asc" : "desc";
                  return (
                    <th key={c.key} aria-sort={active ? (sort?.order === "asc" ? "ascending" : "descending") : undefined}>
                      {c.sortable ? (
                        <Link href={withParams(basePath, params, { sort: c.key, order: nextOrder, page: undefined, cursor: undefined })}>
                          {c.label}
                          {active ? (sort?.order === "asc" ? " ↑" : " ↓") : ""}
                        </Link>
                      ) : (
                        c.label
                      )}
                    </th>
                  );
                })}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={rowKey(row)}>
                  {columns.map((c, i) => (
                    <td key={c.key}>
                      {c.before ? (
                        <span className="row" style={{ flexWrap: "nowrap" }}>
                          {c.before(row)}
                          {i === 0 && rowHref ? <Link href={rowHref(row)}>{c.render(row)}</Link> : c.render(row)}
                        </span>
                      ) : i === 0 && rowHref ? (
                        <Link href={rowHref(row)}>{c.render(row)}</Link>
                      ) : (
                        c.render(row)
                      )}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="list-footer">
        {total !== undefined && (
          <span data-testid="list-count">
            {rows.length} of {total}
          </span>
        )}
        <span className="pager">
          {prevHref && (
            <Link className="btn btn-sm" href={prevHref}>
              ← Previous
            </Link>
          )}
          {nextHref && (
            <Link className="btn btn-sm" href={nextHref}>
              Next →
            </Link>
          )}
        </span>
      </div>
    </div>
  );
}

/** Offset pagination for small tables (the Request Log uses keyset pagination instead). */
export function pageOf(params: SearchParams, pageSize = 20) {
  const page = Math.max(1, Number.parseInt(param(params, "page") || "1", 10) || 1);
  return { page, limit: pageSize, offset: (page - 1) * pageSize };
}

export function pagerHrefs(basePath: string, params: SearchParams, page: number, pageSize: number, total: number) {
  return {
    prevHref: page > 1 ? withParams(basePath, params, { page: String(page - 1) }) : undefined,
    nextHref: page * pageSize < total ? withParams(basePath, params, { page: String(page + 1) }) : undefined,
  };
}
