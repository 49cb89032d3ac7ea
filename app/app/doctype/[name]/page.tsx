import { pageParam } from "@/lib/services/frappe-rest/adapter";
import Link from "next/link";
import { orNotFound, requireDeskPage } from "@/lib/auth/guard";
import { getDoctype } from "@/lib/services/doctype/doctypes";
import { SubmittableToggle } from "./submittable-toggle";

export const dynamic = "force-dynamic";

/** The tab shows the document and its DocType, as Frappe's desk does. */
export async function generateMetadata({ params }: { params: Promise<{ name: string }> }) {
  return { title: `${pageParam((await params).name)} · DocType` };
}

export default async function DoctypePage({ params }: { params: Promise<{ name: string }> }) {
  const { name: raw } = await params;
  const name = pageParam(raw);
  const actor = await requireDeskPage(`/app/doctype/${raw}`);
  const dt = await orNotFound(() => getDoctype(actor, name));
  return (
    <>
      <SubmittableToggle name={dt.name} module={dt.module} isSubmittable={dt.isSubmittable} isChild={dt.isChild} />
      <div className="card">
        <div className="section-title">Fields</div>
        <table className="grid-table">
          <thead>
            <tr>
              <th>No.</th>
              <th>Label</th>
              <th>Fieldname</th>
              <th>Type</th>
              <th>Options</th>
            </tr>
          </thead>
          <tbody>
            {dt.fields.map((f) => (
              <tr key={f.fieldname}>
                <td className="idx">{f.idx}</td>
                <td>{f.label}</td>
                <td className="mono">{f.fieldname}</td>
                <td>{f.fieldtype}</td>
                <td>
                  {f.fieldtype === "Table" && f.options ? (
                    <Link href={`/app/doctype/${encodeURIComponent(f.options)}`}>{f.options}</Link>
                  ) : (
                    (f.options ?? "").replace(/\n/g, ", ")
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
