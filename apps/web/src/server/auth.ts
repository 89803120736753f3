import "server-only";
import { createAuth, type SessionUser } from "@proviso/auth";
import type { Role } from "@proviso/domain";
import { forbidden, redirect } from "next/navigation";
import { getDb } from "./db";
import { webEnv } from "./env";

export const { handlers, auth, signIn, signOut } = createAuth(() => ({ getDb, secret: webEnv().authSecret }));

export async function currentUser(): Promise<SessionUser | null> {
  const session = await auth();
  return session?.user?.role ? session.user : null;
}

/** For a role's area: signed out → sign-in page; another role → the 403 page. */
export async function requireRole(role: Role, from: string): Promise<SessionUser> {
  const user = await currentUser();
  if (!user) redirect(`/sign-in?callbackUrl=${encodeURIComponent(from)}`);
  if (user.role !== role) forbidden();
  return user;
}
