// The credentials check itself: no Next, no Auth.js, so it is testable anywhere.
import type { Database } from "@proviso/db";
import { users } from "@proviso/db";
import type { Role } from "@proviso/domain";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { hashPassword, needsRehash, verifyPassword } from "./password";

/** What every server-side caller knows about the signed-in user. */
export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  partnerId: string | null;
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
  // Made with weaker parameters than today's: made again now, while the password is in hand.
  if (needsRehash(user.passwordHash)) {
    await db
      .update(users)
      .set({ passwordHash: await hashPassword(parsed.data.password) })
      .where(eq(users.id, user.id));
  }
  return { id: user.id, email: user.email, name: user.name, role: user.role, partnerId: user.partnerId };
}

/** With today's parameters, so an unknown email costs what a known one does. */
const DUMMY_HASH = "scrypt$131072$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
