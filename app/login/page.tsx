import type { Metadata } from "next";
import { safeNext } from "@/lib/auth/safe-next";
import { LoginForm } from "./login-form";

export const metadata: Metadata = { title: "Login" };

/** The codes /api/login (and next-auth) send back in `?error=`. */
function errorMessage(code: string | undefined, minutes: string | undefined): string | null {
  if (!code) return null;
  if (code === "locked") {
    const m = Math.max(1, Math.min(60, Number.parseInt(minutes ?? "", 10) || 15));
    return `Too many failed login attempts. Try again in ${m} minute${m === 1 ? "" : "s"}.`;
  }
  if (code === "missing") return "Enter your email or username and password";
  if (code === "SessionRequired") return "Please sign in to continue";
  return "Invalid login credentials";
}

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string; error?: string; minutes?: string }> }) {
  const { next, error, minutes } = await searchParams;
  const target = safeNext(next);
  return (
    <div className="login-wrap">
      <div className="card login-card">
        <h1 style={{ marginBottom: 4 }}>Webhook Desk</h1>
        <p className="muted" style={{ marginTop: 0 }}>
          Login to continue
        </p>
        <LoginForm next={target} error={errorMessage(error, minutes)} />
      </div>
    </div>
  );
}
