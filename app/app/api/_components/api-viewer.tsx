"use client";
// Swagger UI from the swagger-ui-react package, bundled: nothing is fetched from elsewhere (the
// document comes in as a prop; no validator badge, which only appears for a `url`). It is the
// package's self-contained bundle (its own React, rendered into a div), not its React
// component: under Turbopack that one's OpenAPI 3.1 resolver loses apidom's `refract`
// registration and every operation spins forever (swagger-api/swagger-ui#10599,
// vercel/next.js#86507). next.config.mjs maps "swagger-ui-es-bundle" to that file.
import { useEffect, useRef } from "react";
import "swagger-ui-react/swagger-ui.css";
import "./api-viewer.css";

export function ApiViewer({ spec }: { spec: Record<string, unknown> }) {
  const node = useRef<HTMLDivElement>(null);
  // Swagger UI leaves its server picker unnamed (axe: select-name), and renders it again at will.
  useEffect(() => {
    const root = node.current;
    if (!root) return;
    const name = () => {
      const servers = root.querySelector("#servers");
      if (servers && !servers.hasAttribute("aria-label")) servers.setAttribute("aria-label", "Server");
    };
    const watch = new MutationObserver(name);
    watch.observe(root, { childList: true, subtree: true });
    return () => watch.disconnect();
  }, []);
  useEffect(() => {
    let cancelled = false;
    void import("swagger-ui-es-bundle").then(({ default: SwaggerUI }) => {
      if (cancelled || !node.current) return;
      SwaggerUI({
        domNode: node.current,
        spec,
        docExpansion: "list",
        defaultModelsExpandDepth: 0,
        tryItOutEnabled: false,
      });
    });
    return () => {
      cancelled = true;
    };
  }, [spec]);
  return (
    <div ref={node}>
      <p className="muted">Loading the API reference…</p>
    </div>
  );
}
