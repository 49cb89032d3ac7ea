import Link from "next/link";

export const metadata = { title: "Not Found" };

export default function NotFound() {
  return (
    <div className="login-wrap">
      <div className="card login-card">
        <h1>Not Found</h1>
        <p className="muted">The page or document you were looking for does not exist.</p>
        <Link className="btn" href="/app">
          Back to the desk
        </Link>
      </div>
    </div>
  );
}
