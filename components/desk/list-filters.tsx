"use client";

import { useRouter } from "next/navigation";
import { useRef } from "react";

export interface FilterDef {
  name: string;
  label: string;
  type: "text" | "select" | "date";
  options?: { value: string; label: string }[];
}

type Params = Record<string, string | string[] | undefined>;
const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? "";

/** A GET form of the list's filters: works without JavaScript; selects apply on change. */
export function ListFilters({ basePath, filters, params }: { basePath: string; filters: FilterDef[]; params: Params }) {
  const router = useRouter();
  const form = useRef<HTMLFormElement>(null);

  function apply() {
    const el = form.current;
    if (!el) return;
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(el).entries()) if (typeof v === "string" && v.trim()) q.set(k, v.trim());
    // keep sort across filter changes; reset paging
    for (const k of ["sort", "order"]) if (first(params[k])) q.set(k, first(params[k]));
    router.push(q.size ? `${basePath}?${q}` : basePath);
  }

  return (
    <form
      ref={form}
      className="row"
      style={{ alignItems: "flex-end" }}
      onSubmit={(e) => {
        e.preventDefault();
        apply();
      }}
    >
      {filters.map((f) => (
        <div className="field" key={f.name}>
          <label htmlFor={`filter-${f.name}`}>{f.label}</label>
          {f.type === "select" ? (
            <select id={`filter-${f.name}`} name={f.name} defaultValue={first(params[f.name])} onChange={apply}>
              <option value="">All</option>
              {f.options?.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          ) : (
            <input
              id={`filter-${f.name}`}
              name={f.name}
              type={f.type === "date" ? "date" : "search"}
              defaultValue={first(params[f.name])}
              onChange={f.type === "date" ? apply : undefined}
            />
          )}
        </div>
      ))}
      <button className="btn btn-sm" type="submit">
        Apply
      </button>
      <button
        className="btn btn-sm"
        type="button"
        onClick={() => {
          form.current?.reset();
          router.push(basePath);
        }}
      >
        Clear
      </button>
    </form>
  );
}
