// Auth.js v5: credentials sign-in against `users`, JWT sessions carrying the role (and, for partner
// staff, the partner). The config is built lazily, on the first request, so `next build` never
// opens the database.
import type { Database } from "@proviso/db";
import { ROLES, type Role } from "@proviso/domain";
import NextAuth, { type NextAuthConfig } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import type { SessionUser } from "./authenticate";
import { clientIp, signInWithLimits } from "./rate-limit";

export { authenticate, type SessionUser } from "./authenticate";
export { hashPassword, needsRehash, SCRYPT_PARAMS, verifyPassword } from "./password";
export { CLIENT_IP_HEADER, clientIp, recordSignInAttempt, SIGN_IN_LIMITS, signInGate, SignInRateLimited, signInWithLimits, unlockSignIn } from "./rate-limit";

declare module "next-auth" {
  interface User {
    role?: Role;
    partnerId?: string | null;
  }
  interface Session {
    user: SessionUser;
  }
}

export interface AuthOptions {
  getDb: () => Database;
  secret: string;
}

export function buildAuthConfig(opts: AuthOptions): NextAuthConfig {
  return {
    secret: opts.secret,
    trustHost: true,
    session: { strategy: "jwt", maxAge: 8 * 60 * 60 },
    pages: { signIn: "/sign-in", error: "/sign-in" },
    providers: [
      Credentials({
        credentials: { email: { label: "Email" }, password: { label: "Password", type: "password" } },
        authorize: async (credentials, request) => {
          const user = await signInWithLimits(opts.getDb(), credentials?.email, credentials?.password, clientIp(request));
          return user ? { id: user.id, email: user.email, name: user.name, role: user.role, partnerId: user.partnerId } : null;
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) {
          token.uid = user.id;
          token.role = user.role;
          token.partnerId = user.partnerId ?? null;
        }
        return token;
      },
      session({ session, token }) {
        const role = ROLES.includes(token.role as Role) ? (token.role as Role) : null;
        if (!role || typeof token.uid !== "string") return { ...session, user: undefined as never };
        const user: SessionUser = {
          id: token.uid,
          email: session.user?.email ?? "",
          name: session.user?.name ?? "",
          role,
          partnerId: (token.partnerId as string | null) ?? null,
        };
        return { ...session, user } as typeof session;
      },
    },
  };
}

export function createAuth(opts: () => AuthOptions) {
  return NextAuth(() => buildAuthConfig(opts()));
}
