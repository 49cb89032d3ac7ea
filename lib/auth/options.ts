import "server-only";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { getDb } from "@/db";
import { authSecret } from "@/lib/config";
import { ACTIVITY, recordActivity } from "./activity";
import { clientAddress } from "./request-origin";
import { SESSION_MAX_AGE_S } from "./session-cookie";
import { endSession } from "./sessions";
import { signInWithPassword } from "./sign-in";

// next-auth's own Credentials flow (/api/auth/callback/credentials, with its CSRF token) signs
// in through the same signInWithPassword as the login form's POST /api/login, and its JWT
// carries the same session id; /api/auth/signout ends that session.
export const authOptions: NextAuthOptions = {
  // A getter: reading the secret at import time would create data/ during `next build`.
  get secret() {
    return authSecret();
  },
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_S },
  pages: { signIn: "/login" },
  providers: [
    CredentialsProvider({
      name: "Password",
      credentials: {
        username: { label: "Email or Username", type: "text" },
        password: { label: "Password", type: "password" },
      },
      async authorize(credentials, req) {
        // next-auth hands over the headers as a plain object.
        const headers = new Headers();
        for (const [k, v] of Object.entries(req?.headers ?? {})) if (typeof v === "string") headers.set(k, v);
        const result = await signInWithPassword(getDb(), {
          login: credentials?.username ?? "",
          password: credentials?.password ?? "",
          ip: clientAddress({ headers }),
          userAgent: headers.get("user-agent") ?? "",
        });
        if (!result.ok) throw new Error(result.message);
        return { id: result.actor.user, name: result.actor.fullName || result.actor.user, sid: result.sid };
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user) {
        token.user = user.id;
        token.sid = user.sid;
      }
      return token;
    },
    session({ session, token }) {
      session.userName = token.user;
      return session;
    },
  },
  events: {
    async signOut({ token }) {
      const sid = typeof token?.sid === "string" ? token.sid : null;
      const user = sid ? await endSession(sid) : null;
      if (user) await recordActivity({ operation: ACTIVITY.logout, actor: user, subject: `User/${user}` });
    },
  },
};
