// GET/POST /api/auth/* — next-auth (Credentials provider, JWT sessions)
import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/options";

const handler = NextAuth(authOptions);
export { handler as GET, handler as POST };
