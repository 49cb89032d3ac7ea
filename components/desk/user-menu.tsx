"use client";

import { signOut } from "next-auth/react";

export function UserMenu({ name }: { name: string }) {
  return (
    <div className="row">
      <span className="user" data-testid="current-user">
        {name}
      </span>
      <button className="btn btn-sm" type="button" onClick={() => void signOut({ callbackUrl: "/login" })}>
        Logout
      </button>
    </div>
  );
}
