import "server-only";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { getDb } from "@/db";
import { authSecret } from "@/lib/config";
import { checkPassword } from "@/lib/services/users";
import { attemptDelay, lockoutMinutes, recordFailure, recordSuccess } from "./throttle";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const authOptions: NextAuthOptions = {
  // A getter: reading the secret at import time would create data/ during `next build`.
  get secret() {
    return authSecret();
  },
  session: { strategy: "jwt", maxAge: 7 * 24 * 3600 },
  pages: { signIn: "/login" },
  providers: [
    CredentialsProvider({
      name: "Password",
      credentials: {
        username: { label: "Email or Username", type: "text" },
        password: { label: "Password", type: "password" },
      },
      async authorize(credentials, req) {
        const login = (credentials?.username ?? "").trim();
        const password = credentials?.password ?? "";
        if (!login || !password) throw new Error("Enter your email or username and password");
        const forwarded = req?.headers?.["x-forwarded-for"];
        const ip = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim() ?? "local";
        const ids = [`u:${login.toLowerCase()}`, `ip:${ip}`];
        const delay = attemptDelay(ids);
        if (delay < 0) {
          throw new Error(`Too many failed login attempts. Try again in ${lockoutMinutes()} minutes.`);
        }
        if (delay > 0) await sleep(delay);
        const actor = checkPassword(getDb(), login, password);
        if (!actor) {
          recordFailure(ids);
          throw new Error("Invalid login credentials");
        }
        recordSuccess([`u:${login.toLowerCase()}`]);
        return { id: actor.user, name: actor.fullName || actor.user };
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user) token.user = user.id;
      return token;
    },
    session({ session, token }) {
      session.userName = token.user;
      return session;
    },
  },
};
