// Sign-in attempts are rate-limited per e-mail address (guessing one account's password) and per
// client address (trying many accounts). Every attempt is recorded; only failures since the
// account's last success count. Kept in the database, so every web process shares the limits.
import { signInAttempts, type Database } from "@proviso/db";
// CredentialsSignin from @auth/core itself (what next-auth re-exports), so this module and its
// tests load without Next.
import { CredentialsSignin } from "@auth/core/errors";
import { and, count, eq, gt, max } from "drizzle-orm";
import { authenticate, type SessionUser } from "./authenticate";

export const SIGN_IN_LIMITS = { perEmail: 5, perIp: 30, windowMinutes: 15 } as const;

export interface SignInGate {
  allowed: boolean;
  /** When refused: seconds until the oldest counted failure leaves the window. */
  retryAfterSeconds: number;
}

export async function signInGate(db: Database, email: string, ip: string | null, now = new Date()): Promise<SignInGate> {
  const since = new Date(now.getTime() - SIGN_IN_LIMITS.windowMinutes * 60_000);
  const [lastOk] = await db
    .select({ at: max(signInAttempts.at) })
    .from(signInAttempts)
    .where(and(eq(signInAttempts.email, email), eq(signInAttempts.ok, true)));
  const from = lastOk?.at && lastOk.at > since ? lastOk.at : since;
  const [byEmail] = await db
    .select({ n: count(), last: max(signInAttempts.at) })
    .from(signInAttempts)
    .where(and(eq(signInAttempts.email, email), eq(signInAttempts.ok, false), gt(signInAttempts.at, from)));
  const [byIp] = ip
    ? await db
        .select({ n: count(), last: max(signInAttempts.at) })
        .from(signInAttempts)
        .where(and(eq(signInAttempts.ip, ip), eq(signInAttempts.ok, false), gt(signInAttempts.at, since)))
    : [{ n: 0, last: null }];
  const over = (byEmail?.n ?? 0) >= SIGN_IN_LIMITS.perEmail || (byIp?.n ?? 0) >= SIGN_IN_LIMITS.perIp;
  if (!over) return { allowed: true, retryAfterSeconds: 0 };
  const last = Math.max(byEmail?.last?.getTime() ?? 0, byIp?.last?.getTime() ?? 0);
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((last + SIGN_IN_LIMITS.windowMinutes * 60_000 - now.getTime()) / 1000)) };
}

export async function recordSignInAttempt(db: Database, email: string, ip: string | null, ok: boolean, now = new Date()) {
  await db.insert(signInAttempts).values({ email, ip, ok, at: now });
}

/** Too many failed attempts for this account or address: the sign-in page says so. */
export class SignInRateLimited extends CredentialsSignin {
  override code = "rate_limited";
}

/** The client's address as the web server saw it (first hop of X-Forwarded-For behind a proxy). */
export function clientIp(request: Request | undefined): string | null {
  const h = request?.headers;
  return h?.get("x-forwarded-for")?.split(",")[0]?.trim() || h?.get("x-real-ip") || null;
}

/**
 * The credentials check with its rate limit: refused while over the limit (even with the right
 * password), and every attempt recorded. Returns the user, null for a mismatch.
 */
export async function signInWithLimits(db: Database, email: unknown, password: unknown, ip: string | null, now = new Date()): Promise<SessionUser | null> {
  const key = typeof email === "string" ? email.trim().toLowerCase().slice(0, 320) : "";
  if (key && !(await signInGate(db, key, ip, now)).allowed) {
    await recordSignInAttempt(db, key, ip, false, now);
    throw new SignInRateLimited();
  }
  const user = await authenticate(db, email, password);
  if (key) await recordSignInAttempt(db, key, ip, !!user, now);
  return user;
}
