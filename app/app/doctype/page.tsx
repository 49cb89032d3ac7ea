import { requireDeskPage } from "@/lib/auth/guard";
import { listDoctypes } from "@/lib/services/doctype/doctypes";
import { Indicator, PageHead } from "@/components/desk/page-head";
import { ListView, pageOf, pagerHrefs, param, type SearchParams } from "@/components/desk/list-view";

export const dynamic = "force-dynamic";
export const metadata = { title: "DocType" };

export default async function DoctypeList({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const actor = await requireDeskPage("/app/doctype");
  const params = await searchParams;
  const submittable = param(params, "is_submittable");
  const all = (
    await listDoctypes(actor, {
      search: param(params, "search") || undefined,
      includeChild: param(params, "istable") === "1" || undefined,
    })
  ).filter((d) => !submittable || String(d.isSubmittable ? 1 : 0) === submittable);
  const { page, limit, offset } = pageOf(params);
  return (
    <>
      <PageHead title="DocType" breadcrumbs={[{ label: "Setup", href: "/app" }]} />
      <ListView
        basePath="/app/doctype"
        params={params}
        rows={all.slice(offset, offset + limit)}
        total={all.length}
        {...pagerHrefs("/app/doctype", params, page, limit, all.length)}
        rowKey={(d) => d.name}
        rowHref={(d) => `/app/doctype/${encodeURIComponent(d.name)}`}
        filters={[
          { name: "search", label: "Search", type: "text" },
          {
            name: "is_submittable",
            label: "Is Submittable",
            type: "select",
            options: [
              { value: "1", label: "Yes" },
              { value: "0", label: "No" },
            ],
          },
          { name: "istable", label: "Child Tables", type: "select", options: [{ value: "1", label: "Include" }] },
        ]}
        columns={[
          { key: "name", label: "Name", render: (d) => d.name },
          { key: "module", label: "Module", render: (d) => d.module },
          {
            key: "is_submittable",
            label: "Is Submittable",
            render: (d) => (d.isSubmittable ? <Indicator color="blue">Submittable</Indicator> : ""),
          },
          { key: "istable", label: "Type", render: (d) => (d.isChild ? "Child Table" : d.inferred ? "Inferred from events" : "Document") },
          { key: "fields", label: "Fields", render: (d) => d.fields },
          { key: "documents", label: "Documents", render: (d) => d.documents },
        ]}
        empty="No document types yet. Host apps register theirs by posting events to /api/events."
      />
    </>
  );
}
