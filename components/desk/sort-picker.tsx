"use client";

// A list's sort picker, as in Frappe's list view: the field to sort by and the direction,
// kept in the URL (sort, order) like the filters, the first page again on a change.
import { useRouter } from "next/navigation";
import { withParams, type SearchParams } from "./list-view";

export function SortPicker({
  basePath,
  params,
  fields,
  field,
  order,
}: {
  basePath: string;
  params: SearchParams;
  fields: { value: string; label: string }[];
  field: string;
  order: "asc" | "desc";
}) {
  const router = useRouter();
  const go = (sort: string, o: "asc" | "desc") =>
    router.push(withParams(basePath, params, { sort, order: o, page: undefined, cursor: undefined }));
  return (
    <div className="row sort-picker">
      <label className="sr-only" htmlFor="list-sort">
        Sort by
      </label>
      <select id="list-sort" className="btn-sm" value={field} onChange={(e) => go(e.target.value, order)}>
        {fields.map((f) => (
          <option key={f.value} value={f.value}>
            {f.label}
          </option>
        ))}
      </select>
      <button
        type="button"
        className="btn btn-sm"
        aria-label={order === "asc" ? "Ascending: sort descending" : "Descending: sort ascending"}
        title={order === "asc" ? "Ascending" : "Descending"}
        onClick={() => go(field, order === "asc" ? "desc" : "asc")}
      >
        {order === "asc" ? "↑ Ascending" : "↓ Descending"}
      </button>
    </div>
  );
}
