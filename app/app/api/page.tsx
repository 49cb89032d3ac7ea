import { requireDeskPage } from "@/lib/auth/guard";
import { openApiDocument } from "@/lib/openapi/document";
import { PageHead } from "@/components/desk/page-head";
import { ApiViewer } from "./_components/api-viewer";

export const dynamic = "force-dynamic";
export const metadata = { title: "API" };

/** The public API's OpenAPI document, readable in the desk (the same one GET /api/openapi.json serves). */
export default async function ApiPage() {
  await requireDeskPage("/app/api");
  return (
    <>
      <PageHead title="API" breadcrumbs={[{ label: "Integrations", href: "/app" }]} />
      <div className="card">
        <div className="section">
          <p className="muted">
            The document as JSON: <a href="/api/openapi.json">/api/openapi.json</a>. Host apps authenticate with an API key:{" "}
            <code>Authorization: token &lt;api_key&gt;:&lt;api_secret&gt;</code>.
          </p>
          <ApiViewer spec={openApiDocument()} />
        </div>
      </div>
    </>
  );
}
