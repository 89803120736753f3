// Auth.js v5: credentials sign-in against `users`, JWT sessions carrying the role (and, for partner
// staff, the partner). The config is built lazily, on the first request, so `next build` never
// opens the database.
import type { Database } from "@proviso/db";
import { users } from "@proviso/db";
import { ROLES, type Role } from "@proviso/domain";
import { eq } from "drizzle-orm";
import NextAuth, { type NextAuthConfig } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { z } from "zod";
import { verifyPassword } from "./password";

export { hashPassword, verifyPassword } from "./password";

/** What every server-side caller knows about the signed-in user. */
export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  partnerId: string | null;
}

declare module "next-auth" {
  interface User {
    role?: Role;
    partnerId?: string | null;
  }
  interface Session {
    user: SessionUser;
  }
}

const credentialsSchema = z.object({
  email: z.string().trim().toLowerCase().email(),
  password: z.string().min(1).max(200),
});

/** Checks an email and password; null for any mismatch (no hint which part was wrong). */
export async function authenticate(db: Database, email: unknown, password: unknown): Promise<SessionUser | null> {
  const parsed = credentialsSchema.safeParse({ email, password });
  if (!parsed.success) return null;
  const [user] = await db.select().from(users).where(eq(users.email, parsed.data.email)).limit(1);
  if (!user) {
    // Spend the same time as a real check so response times do not reveal which emails exist.
    await verifyPassword(parsed.data.password, DUMMY_HASH);
    return null;
  }
  if (!(await verifyPassword(parsed.data.password, user.passwordHash))) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role, partnerId: user.partnerId };
}

const DUMMY_HASH =
  "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

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
        authorize: async (credentials) => {
          const user = await authenticate(opts.getDb(), credentials?.email, credentials?.password);
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
