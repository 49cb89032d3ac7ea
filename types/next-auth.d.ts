import "next-auth";
import "next-auth/jwt";

declare module "next-auth" {
  interface Session {
    /** Our user's name (primary key), e.g. "Administrator". */
    userName?: string;
  }
  interface User {
    /** The `session` row opened at sign-in. */
    sid?: string;
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    user?: string;
    /** The `session` row this token belongs to (lib/auth/sessions.ts). */
    sid?: string;
  }
}
