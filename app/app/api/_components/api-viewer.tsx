"use client";
// Swagger UI, bundled from the swagger-ui-react package: nothing is fetched from elsewhere (the
// document comes in as a prop; no validator badge, which only appears for a `url`).
import dynamic from "next/dynamic";
import "swagger-ui-react/swagger-ui.css";

// Swagger UI touches `window` as it loads: the browser renders it, not the server.
const SwaggerUI = dynamic(() => import("swagger-ui-react"), {
  ssr: false,
  loading: () => <p className="muted">Loading the API reference…</p>,
});

export function ApiViewer({ spec }: { spec: Record<string, unknown> }) {
  return <SwaggerUI spec={spec} docExpansion="list" defaultModelsExpandDepth={0} tryItOutEnabled={false} />;
}
