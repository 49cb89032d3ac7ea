import type { Metadata } from "next";
import { safeNext } from "@/lib/auth/safe-next";
import { LoginForm } from "./login-form";

export const metadata: Metadata = { title: "Login" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const { next } = await searchParams;
  const target = safeNext(next);
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
