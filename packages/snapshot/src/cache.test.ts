// The snapshot a decision uses is at least as new as every change committed before it asked.
import { createTestDatabase, type TestDatabase } from "@proviso/db/testing";
import { seed, stableId } from "@proviso/seed";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorldCache } from "./cache";
import { readPolicyVersion } from "./load-world";

const home0 = stableId("home:0");
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
  await seed(t.db, { now: new Date("2026-11-24T12:00:00Z"), homes: 2 });
});
afterAll(async () => {
  await t?.drop();
});

describe("WorldCache.fresh", () => {
  it("fresh() answers with a snapshot at least as new as every change committed before the call, even with a check in flight", async () => {
    const worlds = new WorldCache(t.db, 60_000);
    await worlds.start();
    let version = 1_000;
    // A consent change, committed in one quick statement (its trigger moves the policy counter).
    const change = async () => {
      await t.pool.query(
        "insert into consents (home_id, partner_id, category_key, mode, version) values ($1, 'google-home', 'user.device.telemetry.energy_usage', 'off', $2)",
        [home0, ++version],
      );
      return readPolicyVersion(t.db);
    };
    try {
      for (let i = 0; i < 10; i++) {
        await change();
        // A batch asks first: its check reads the counter and starts reloading...
        const early = worlds.fresh(0);
        await new Promise((r) => setTimeout(r, 3));
        // ...then a revocation commits, and the next batch asks while that check is still running.
        const committed = await change();
        expect((await worlds.fresh(0)).policyVersion).toBeGreaterThanOrEqual(committed);
        await early;
        await change();
        const next = await readPolicyVersion(t.db);
        await new Promise((r) => setTimeout(r, 60)); // past the 50 ms a decision may lag by default
        expect((await worlds.fresh()).policyVersion).toBeGreaterThanOrEqual(next);
      }
    } finally {
      worlds.stop();
    }
  });
});
