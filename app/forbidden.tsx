import Link from "next/link";
import { LogoutButton } from "@/components/desk/logout-button";

export default function Forbidden() {
  return (
    <div className="login-wrap">
      <div className="card login-card">
        <h1>403 — Not Permitted</h1>
        <p className="muted">
          You need the <b>System Manager</b> role to open this page. Ask a System Manager to grant it.
        </p>
        <div className="row">
          <Link className="btn" href="/login">
            Login as another user
          </Link>
          <LogoutButton className="btn" />
        </div>
      </div>
    </div>
  );
}
