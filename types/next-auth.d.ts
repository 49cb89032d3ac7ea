import "next-auth";
import "next-auth/jwt";

declare module "next-auth" {
  interface Session {
    /** Our user's name (primary key), e.g. "Administrator". */
    userName?: string;
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    user?: string;
  }
}
