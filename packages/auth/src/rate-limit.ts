// Sign-in attempts are limited so that guessing is slow and a stranger cannot lock anyone out:
// - per account and address: 5 wrong passwords from one address lock that address out of that
//   account for the window (the owner, signing in from elsewhere, is not);
// - per address: 30 wrong passwords across accounts lock the address out;
// - per account, from everywhere: a ceiling of 50 (many addresses guessing one password).
// Only wrong passwords count, since the account's last success or an administrator's unlock;
// attempts refused for being over a limit are recorded but never counted. Kept in the database, so
// every web process shares the limits. The client's address is the one the web server worked out
// from trusted proxies only (`clientIp`).
import { signInAttempts, type Database } from "@proviso/db";
// CredentialsSignin from @auth/core itself (what next-auth re-exports), so this module and its
// tests load without Next.
import { CredentialsSignin } from "@auth/core/errors";
import { and, count, eq, gt, inArray, isNull, max } from "drizzle-orm";
import { authenticate, type SessionUser } from "./authenticate";

export const SIGN_IN_LIMITS = { perAccountAndAddress: 5, perAddress: 30, perAccount: 50, windowMinutes: 15 } as const;

/** The header the web server sets to the client's address (any value a client sends in it is replaced). */
export const CLIENT_IP_HEADER = "x-proviso-client-ip";

export interface SignInGate {
  allowed: boolean;
  /** When refused: seconds until the oldest counted failure leaves the window. */
  retryAfterSeconds: number;
}

type Counted = { n: number; last: Date | null };

export async function signInGate(db: Database, email: string, ip: string | null, now = new Date()): Promise<SignInGate> {
  const since = new Date(now.getTime() - SIGN_IN_LIMITS.windowMinutes * 60_000);
  // Failures count from the account's last success or unlock, within the window.
  const [cleared] = await db
    .select({ at: max(signInAttempts.at) })
    .from(signInAttempts)
    .where(and(eq(signInAttempts.email, email), inArray(signInAttempts.outcome, ["ok", "unlocked"])));
  const from = cleared?.at && cleared.at > since ? cleared.at : since;
  const failures = (...where: Parameters<typeof and>) =>
    db
      .select({ n: count(), last: max(signInAttempts.at) })
      .from(signInAttempts)
      .where(and(eq(signInAttempts.outcome, "failed"), ...where))
      .then((r) => r[0] as Counted);
  const [pair, address, account] = await Promise.all([
    failures(eq(signInAttempts.email, email), ip === null ? isNull(signInAttempts.ip) : eq(signInAttempts.ip, ip), gt(signInAttempts.at, from)),
    ip === null ? ({ n: 0, last: null } as Counted) : failures(eq(signInAttempts.ip, ip), gt(signInAttempts.at, since)),
    failures(eq(signInAttempts.email, email), gt(signInAttempts.at, from)),
  ]);
  const over: Counted[] = [];
  if (pair.n >= SIGN_IN_LIMITS.perAccountAndAddress) over.push(pair);
  if (address.n >= SIGN_IN_LIMITS.perAddress) over.push(address);
  if (account.n >= SIGN_IN_LIMITS.perAccount) over.push(account);
  if (over.length === 0) return { allowed: true, retryAfterSeconds: 0 };
  const last = Math.max(...over.map((c) => c.last?.getTime() ?? 0));
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((last + SIGN_IN_LIMITS.windowMinutes * 60_000 - now.getTime()) / 1000)) };
}

export async function recordSignInAttempt(db: Database, email: string, ip: string | null, outcome: "ok" | "failed" | "refused", now = new Date()) {
  await db.insert(signInAttempts).values({ email, ip, outcome, at: now });
}

/** An administrator clears an account's failures: it can be signed in to again at once, from anywhere. */
export async function unlockSignIn(db: Database, email: string, now = new Date()) {
  await db.insert(signInAttempts).values({ email: email.trim().toLowerCase(), ip: null, outcome: "unlocked", at: now });
}

/** Too many failed attempts for this account or address: the sign-in page says so. */
export class SignInRateLimited extends CredentialsSignin {
  override code = "rate_limited";
}

/**
 * The client's address: what the web server set in CLIENT_IP_HEADER, from the connection and the
 * X-Forwarded-For hops of trusted proxies only (apps/web/server.mjs, `TRUSTED_PROXIES`). A client's
 * own X-Forwarded-For is never read here.
 */
export function clientIp(request: Request | undefined): string | null {
  return request?.headers.get(CLIENT_IP_HEADER) || null;
}

/**
 * The credentials check with its limits: refused while over one (even with the right password;
 * recorded as refused, not counted), every attempt recorded. Returns the user, null for a mismatch.
 */
export async function signInWithLimits(db: Database, email: unknown, password: unknown, ip: string | null, now = new Date()): Promise<SessionUser | null> {
  const key = typeof email === "string" ? email.trim().toLowerCase().slice(0, 320) : "";
  if (key && !(await signInGate(db, key, ip, now)).allowed) {
    await recordSignInAttempt(db, key, ip, "refused", now);
    throw new SignInRateLimited();
  }
  const user = await authenticate(db, email, password);
  if (key) await recordSignInAttempt(db, key, ip, user ? "ok" : "failed", now);
  return user;
}
