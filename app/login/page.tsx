import type { Metadata } from "next";
import { LoginForm } from "./login-form";

export const metadata: Metadata = { title: "Login" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const { next } = await searchParams;
  // Only local paths: an open redirect would let a link send users elsewhere after login.
  const target = next && next.startsWith("/") && !next.startsWith("//") ? next : "/app";
  return (
    <div className="login-wrap">
      <div className="card login-card">
        <h1 style={{ marginBottom: 4 }}>Webhook Desk</h1>
        <p className="muted" style={{ marginTop: 0 }}>Login to continue</p>
        <LoginForm next={target} />
      </div>
    </div>
  );
}
