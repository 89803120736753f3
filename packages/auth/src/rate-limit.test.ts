import { createTestDatabase, type TestDatabase } from "@proviso/db/testing";
import { users } from "@proviso/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignInRateLimited, signInWithLimits } from "./rate-limit";
import { SIGN_IN_LIMITS } from "./rate-limit";
import { hashPassword } from "./password";

const DEMO_PASSWORD = "correct horse battery staple";
const DEMO_LOGINS = { legal: "legal@example.test", homeowner: "owner@example.test", partner_manager: "manager@example.test" } as const;

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  await t.db.insert(users).values(Object.entries(DEMO_LOGINS).map(([role, email]) => ({ email, name: role, role: role as "legal", passwordHash })));
});
afterAll(async () => t?.drop());

describe("sign-in rate limit", () => {
  it("refuses an account after too many failures, even with the right password, until the window passes", async () => {
    const email = DEMO_LOGINS.legal;
    const t0 = new Date("2026-11-25T10:00:00Z");
    for (let i = 0; i < SIGN_IN_LIMITS.perEmail; i++) {
      expect(await signInWithLimits(t.db, email, "wrong password", "203.0.113.5", new Date(t0.getTime() + i * 1000))).toBeNull();
    }
    await expect(signInWithLimits(t.db, email, DEMO_PASSWORD, "203.0.113.5", new Date(t0.getTime() + 10_000))).rejects.toBeInstanceOf(SignInRateLimited);
    // Another account from another address is unaffected.
    expect(await signInWithLimits(t.db, DEMO_LOGINS.homeowner, DEMO_PASSWORD, "198.51.100.7", new Date(t0.getTime() + 11_000))).not.toBeNull();
    // After the window, the right password works again, and resets the count.
    const later = new Date(t0.getTime() + SIGN_IN_LIMITS.windowMinutes * 60_000 + 20_000);
    expect(await signInWithLimits(t.db, email, DEMO_PASSWORD, "203.0.113.5", later)).toMatchObject({ role: "legal" });
    expect(await signInWithLimits(t.db, email, "wrong", "203.0.113.5", new Date(later.getTime() + 1000))).toBeNull();
  });

  it("limits one address trying many accounts", async () => {
    const t0 = new Date("2026-11-25T12:00:00Z");
    for (let i = 0; i < SIGN_IN_LIMITS.perIp; i++) {
      await signInWithLimits(t.db, `nobody${i}@example.test`, "guess", "192.0.2.99", new Date(t0.getTime() + i * 100));
    }
    await expect(signInWithLimits(t.db, DEMO_LOGINS.partner_manager, DEMO_PASSWORD, "192.0.2.99", new Date(t0.getTime() + 5_000))).rejects.toBeInstanceOf(
      SignInRateLimited,
    );
    expect(await signInWithLimits(t.db, DEMO_LOGINS.partner_manager, DEMO_PASSWORD, "192.0.2.100", new Date(t0.getTime() + 5_000))).not.toBeNull();
  });
});
