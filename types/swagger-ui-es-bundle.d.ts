// swagger-ui-react's self-contained bundle (next.config.mjs: turbopack.resolveAlias), the part
// of its options app/app/api/_components/api-viewer.tsx passes.
declare module "swagger-ui-es-bundle" {
  interface SwaggerUIOptions {
    domNode: HTMLElement;
    spec: Record<string, unknown>;
    docExpansion?: "list" | "full" | "none";
    defaultModelsExpandDepth?: number;
    tryItOutEnabled?: boolean;
  }
  const SwaggerUI: (options: SwaggerUIOptions) => unknown;
  export default SwaggerUI;
}
