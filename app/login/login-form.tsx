"use client";

import { useState } from "react";

// A plain form that POSTs to /api/login: it signs in before (or without) JavaScript too, and
// the password never appears in a URL. The server answers 303 to `next`, or back to /login
// with an error code that the page shows.
export function LoginForm({ next, error }: { next: string; error: string | null }) {
  const [busy, setBusy] = useState(false);
  return (
    <form method="post" action="/api/login" onSubmit={() => setBusy(true)}>
      {error && (
        <div className="alert alert-error" role="alert">
          {error}
        </div>
      )}
      <input type="hidden" name="next" value={next} />
      <div className="field">
        <label htmlFor="username">Email or Username</label>
        <input id="username" name="username" type="text" autoComplete="username" autoFocus required />
      </div>
      <div className="field">
        <label htmlFor="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required />
      </div>
      <button className="btn btn-primary" type="submit" disabled={busy} style={{ width: "100%", justifyContent: "center" }}>
        {busy ? "Logging in…" : "Login"}
      </button>
    </form>
  );
}
