// The worker's snapshot kept current against a real database: consents written since it are applied
// to it (migration 0020's log) instead of a reload, and what it then decides is what a snapshot
// loaded afresh decides; anything else changed meanwhile, and it is loaded whole.
import { CATEGORY_KEYS } from "@proviso/domain";
import { createTestDatabase, type TestDatabase } from "@proviso/db/testing";
import { decideShare } from "@proviso/policy";
import { seed, stableId } from "@proviso/seed";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadWorld, WorldCache, type World } from "./world";

const NOW = new Date("2026-11-24T12:00:00Z");
let t: TestDatabase;
let cache: WorldCache;
const origins: World["origin"][] = [];

/** Every decision the snapshot can make for the seeded homes' devices, partners, categories and modes. */
function decisions(w: World) {
  const out: unknown[] = [];
  for (const [homeId, devices] of w.devicesByHome) {
    for (const partnerId of ["alexa", "google-home", "apple-home", "smartthings"]) {
      for (const category of CATEGORY_KEYS) {
        for (const mode of ["on_request", "proactive"] as const) {
          out.push(decideShare(w.policy, { partnerId, homeId, modelKey: devices[0]!.modelKey, category, mode, purpose: "functional.service.fulfil_request", at: NOW.getTime(), properties: {} }));
        }
      }
    }
  }
  return out;
}

/** The homeowner's next consent version for each (partner, category) given, in one statement. */
async function consent(homeId: string, choices: [partnerId: string, category: string, mode: string][]) {
  const values = choices.map((_, i) => `($1, $${i * 3 + 2}, $${i * 3 + 3}, $${i * 3 + 4}::share_mode, (select coalesce(max(version), 0) + 1 from consents where home_id = $1 and partner_id = $${i * 3 + 2} and category_key = $${i * 3 + 3}))`);
  await t.pool.query(`insert into consents (home_id, partner_id, category_key, mode, version) values ${values.join(", ")}`, [homeId, ...choices.flat()]);
}

beforeAll(async () => {
  t = await createTestDatabase();
  await seed(t.db, { now: NOW, homes: 8 });
  cache = new WorldCache(t.db, 60_000, (w) => origins.push(w.origin));
  await cache.start();
});
afterAll(async () => {
  cache?.stop();
  await t?.drop();
});

describe("keeping the snapshot current", () => {
  it("applies a homeowner's consents instead of reloading, and decides as a snapshot loaded afresh", async () => {
    const home = stableId("home:0");
    const before = cache.current();
    const beforeDecisions = decisions(before);
    await consent(home, [["alexa", "user.device.sensor.temperature", "off"]]);
    await consent(home, [
      ["google-home", "user.device.sensor.temperature", "on_request"],
      ["google-home", "user.device.sensor.lock_state", "proactive"],
    ]);
    origins.length = 0;
    const after = await cache.check();
    expect(origins).toEqual(["consents applied"]);
    expect(after.policyVersion).toBe(before.policyVersion + 2);
    const fresh = await loadWorld(t.db);
    expect(fresh.policyVersion).toBe(after.policyVersion);
    expect(decisions(after)).toEqual(decisions(fresh));
    expect(decisions(after)).not.toEqual(beforeDecisions);
    // The snapshot decisions already under way use is left as it was.
    expect(decisions(before)).toEqual(beforeDecisions);
  });

  it("reloads whole when something other than consents changed in between, and decides as a fresh load", async () => {
    const home = stableId("home:1");
    await consent(home, [["alexa", "user.device.sensor.temperature", "proactive"]]);
    await t.pool.query("update partner_links set status = 'revoked', ended_at = now() where home_id = $1 and partner_id = 'alexa'", [home]);
    await consent(home, [["google-home", "user.device.sensor.temperature", "proactive"]]);
    origins.length = 0;
    const after = await cache.check();
    expect(origins).toEqual(["loaded"]);
    expect(decisions(after)).toEqual(decisions(await loadWorld(t.db)));
  });

  it("reloads whole for a consent the snapshot has no place for (a home it has never seen)", async () => {
    const [{ id: newHome }] = (await t.pool.query("insert into homes (name, region, timezone) select 'New home', region, timezone from homes limit 1 returning id")).rows;
    const after1 = await cache.check();
    origins.length = 0;
    await consent(newHome, [["alexa", "user.device.sensor.temperature", "on_request"]]);
    const after2 = await cache.check();
    expect(after2.policyVersion).toBeGreaterThan(after1.policyVersion);
    expect(origins).toEqual(["loaded"]);
  });

  it("catches up with many consent statements at once, and ends where a fresh load is", async () => {
    const homes = [0, 2, 3, 4, 5].map((i) => stableId(`home:${i}`));
    const modes = ["off", "on_request", "proactive"];
    // Categories some clause or consent already names (one nothing names yet has no place in the compiled policy).
    const categories = [...cache.current().policy.categoryIndex.keys()];
    for (let i = 0; i < 30; i++) {
      await consent(homes[i % homes.length]!, [["google-home", categories[i % categories.length]!, modes[i % 3]!]]);
    }
    origins.length = 0;
    const after = await cache.check();
    expect(origins.every((o) => o === "consents applied")).toBe(true);
    expect(decisions(after)).toEqual(decisions(await loadWorld(t.db)));
    // The log keeps what it wrote, under the counter's values.
    const log = await t.pool.query("select count(*)::int as n, max(version)::int as last from policy_changes");
    expect(log.rows[0].last).toBe(after.policyVersion);
  });
});
