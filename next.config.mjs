/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native and Node-only modules stay out of the bundle; prom-client must be one copy per
  // process (its default registry is what /metrics reads, whichever route counted).
  serverExternalPackages: ["better-sqlite3", "nunjucks", "pino", "pino-pretty", "prom-client"],
  poweredByHeader: false,
  // The API page's viewer: swagger-ui-react's self-contained bundle, which its package.json
  // "exports" do not list (app/app/api/_components/api-viewer.tsx says why not its component).
  turbopack: { resolveAlias: { "swagger-ui-es-bundle": "./node_modules/swagger-ui-react/swagger-ui-es-bundle.js" } },
  typescript: { ignoreBuildErrors: true }, // `npm test` typechecks separately; don't do it twice
  devIndicators: false,
  // forbidden() renders app/forbidden.tsx with a 403 status.
  experimental: { authInterrupts: true },
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Frame-Options", value: "DENY" },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
        ],
      },
      // Pages get a per-request CSP with a nonce from proxy.ts; JSON answers need none of it.
      {
        source: "/api/:path*",
        headers: [{ key: "Content-Security-Policy", value: "default-src 'none'; frame-ancestors 'none'" }],
      },
    ];
  },
};

export default nextConfig;
