import { createTestDatabase, type TestDatabase } from "@proviso/db/testing";
import { users } from "@proviso/db";
import { eq } from "drizzle-orm";
import { scryptSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticate } from "./authenticate";
import { hashPassword, needsRehash, SCRYPT_PARAMS } from "./password";
import { SIGN_IN_LIMITS, SignInRateLimited, signInWithLimits, unlockSignIn } from "./rate-limit";

const DEMO_PASSWORD = "correct horse battery staple";
const DEMO_LOGINS = {
  legal: "legal@example.test",
  homeowner: "owner@example.test",
  partner_manager: "manager@example.test",
  legal2: "old@example.test",
} as const;
const ATTACKER = "203.0.113.5";
const OWNER_HOME = "198.51.100.7";
const minutes = (t0: Date, m: number) => new Date(t0.getTime() + m * 60_000);

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  await t.db
    .insert(users)
    .values(Object.entries(DEMO_LOGINS).map(([role, email]) => ({ email, name: role, role: (role === "legal2" ? "legal" : role) as "legal", passwordHash })));
});
afterAll(async () => t?.drop());

describe("sign-in limits", () => {
  it("locks an address out of an account after five wrong passwords, even with the right one, until the window passes", async () => {
    const email = DEMO_LOGINS.legal;
    const t0 = new Date("2026-11-25T10:00:00Z");
    for (let i = 0; i < SIGN_IN_LIMITS.perAccountAndAddress; i++) {
      expect(await signInWithLimits(t.db, email, "wrong password", ATTACKER, new Date(t0.getTime() + i * 1000))).toBeNull();
    }
    await expect(signInWithLimits(t.db, email, DEMO_PASSWORD, ATTACKER, minutes(t0, 1))).rejects.toBeInstanceOf(SignInRateLimited);
    // The owner, from their own address, is not locked out by a stranger.
    expect(await signInWithLimits(t.db, email, DEMO_PASSWORD, OWNER_HOME, minutes(t0, 2))).toMatchObject({ role: "legal" });
  });

  it("never counts attempts it refused: a stranger trying every few minutes cannot keep an account locked", async () => {
    const email = DEMO_LOGINS.homeowner;
    const t0 = new Date("2026-11-25T12:00:00Z");
    for (let i = 0; i < SIGN_IN_LIMITS.perAccountAndAddress; i++) await signInWithLimits(t.db, email, "guess", ATTACKER, new Date(t0.getTime() + i * 1000));
    // One more try every 2 minutes: each refused, none counted (counted, they would keep the lock on for ever).
    for (let m = 2; m < SIGN_IN_LIMITS.windowMinutes; m += 2) {
      await expect(signInWithLimits(t.db, email, "guess", ATTACKER, minutes(t0, m))).rejects.toBeInstanceOf(SignInRateLimited);
    }
    // Once the counted failures leave the window, the address may try again (and, with the right password, get in).
    expect(await signInWithLimits(t.db, email, DEMO_PASSWORD, ATTACKER, minutes(t0, SIGN_IN_LIMITS.windowMinutes + 1))).toMatchObject({ role: "homeowner" });
    const refused = await t.pool.query("select count(*)::int as n from sign_in_attempts where email = $1 and outcome = 'refused'", [email]);
    expect(refused.rows[0].n).toBe(7);
  });

  it("limits one address trying many accounts", async () => {
    const t0 = new Date("2026-11-25T14:00:00Z");
    for (let i = 0; i < SIGN_IN_LIMITS.perAddress; i++) {
      await signInWithLimits(t.db, `nobody${i}@example.test`, "guess", "192.0.2.99", new Date(t0.getTime() + i * 100));
    }
    await expect(signInWithLimits(t.db, DEMO_LOGINS.partner_manager, DEMO_PASSWORD, "192.0.2.99", minutes(t0, 1))).rejects.toBeInstanceOf(SignInRateLimited);
    expect(await signInWithLimits(t.db, DEMO_LOGINS.partner_manager, DEMO_PASSWORD, "192.0.2.100", minutes(t0, 1))).not.toBeNull();
  });

  it("keeps a ceiling for one account guessed from many addresses, which an administrator can clear", async () => {
    const email = DEMO_LOGINS.partner_manager;
    const t0 = new Date("2026-11-25T16:00:00Z");
    for (let i = 0; i < SIGN_IN_LIMITS.perAccount; i++)
      await signInWithLimits(t.db, email, "guess", `10.0.${Math.floor(i / 200)}.${i % 200}`, new Date(t0.getTime() + i * 100));
    await expect(signInWithLimits(t.db, email, DEMO_PASSWORD, OWNER_HOME, minutes(t0, 1))).rejects.toBeInstanceOf(SignInRateLimited);
    await unlockSignIn(t.db, email, minutes(t0, 2));
    expect(await signInWithLimits(t.db, email, DEMO_PASSWORD, OWNER_HOME, minutes(t0, 3))).toMatchObject({ role: "partner_manager" });
  });
});

describe("password hashing", () => {
  it("hashes at today's scrypt parameters, and makes an older hash again at the next sign-in", async () => {
    expect(SCRYPT_PARAMS.N).toBeGreaterThanOrEqual(2 ** 17);
    const email = DEMO_LOGINS.legal2;
    const salt = Buffer.alloc(16, 7);
    const old = ["scrypt", 16_384, 8, 1, salt.toString("base64"), scryptSync(DEMO_PASSWORD, salt, 32, { N: 16_384, r: 8, p: 1 }).toString("base64")].join("$");
    await t.db.update(users).set({ passwordHash: old }).where(eq(users.email, email));
    expect(needsRehash(old)).toBe(true);
    expect(await authenticate(t.db, email, "wrong")).toBeNull();
    expect((await t.db.select().from(users).where(eq(users.email, email)))[0]!.passwordHash).toBe(old); // not on a wrong password
    expect(await authenticate(t.db, email, DEMO_PASSWORD)).toMatchObject({ email });
    const now = (await t.db.select().from(users).where(eq(users.email, email)))[0]!.passwordHash;
    expect(now.startsWith(`scrypt$${SCRYPT_PARAMS.N}$8$1$`)).toBe(true);
    expect(needsRehash(now)).toBe(false);
    expect(await authenticate(t.db, email, DEMO_PASSWORD)).toMatchObject({ email });
  });
});
