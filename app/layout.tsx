import type { Metadata } from "next";
import { connection } from "next/server";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Webhook Desk", template: "%s · Webhook Desk" },
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Every page renders per request: Next puts the CSP nonce from proxy.ts on its scripts
  // only while rendering, so a page prerendered at build time would have its scripts blocked.
  await connection();
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
