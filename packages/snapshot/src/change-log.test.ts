// The worker's snapshot kept current against a real database: the consents, links, devices and terms
// changed since it are applied to it (migrations 0020 and 0023's log) instead of a reload, and what
// it then holds and decides is what a snapshot loaded afresh holds and decides; a change the log
// does not hold came in between, and it is loaded whole.
import { CATEGORY_KEYS } from "@proviso/domain";
import { createTestDatabase, type TestDatabase } from "@proviso/db/testing";
import { decideShare } from "@proviso/policy";
import { seed, stableId } from "@proviso/seed";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorldCache } from "./cache";
import { loadWorld } from "./load-world";
import type { World } from "./world";

const NOW = new Date("2026-11-24T12:00:00Z");
let t: TestDatabase;
let cache: WorldCache;
const origins: World["origin"][] = [];

/** Every decision the snapshot can make for the seeded homes' devices, partners, categories and modes. */
function decisions(w: World) {
  const out: unknown[] = [];
  for (const homeId of [...w.devicesByHome.keys()].sort()) {
    const modelKeys = [...new Set(w.devicesByHome.get(homeId)!.map((d) => d.modelKey))].sort();
    for (const partnerId of ["alexa", "google-home", "apple-home", "smartthings"]) {
      for (const category of CATEGORY_KEYS) {
        for (const mode of ["on_request", "proactive"] as const) {
          for (const modelKey of modelKeys) {
            out.push(
              decideShare(w.policy, {
                partnerId,
                homeId,
                modelKey,
                category,
                mode,
                purpose: "functional.service.fulfil_request",
                at: NOW.getTime(),
                properties: {},
              }),
            );
          }
        }
      }
    }
  }
  return out;
}

/** Everything a snapshot holds, in an order that does not depend on how it came to be. */
function contents(w: World) {
  const byId = <T extends { deviceId?: string; linkId?: string }>(list: readonly T[]) =>
    [...list].sort((a, b) => String(a.deviceId ?? a.linkId).localeCompare(String(b.deviceId ?? b.linkId)));
  const sortedMap = <T>(m: ReadonlyMap<string, T>) => [...m.entries()].sort(([a], [b]) => a.localeCompare(b));
  return {
    policyVersion: w.policyVersion,
    decisions: decisions(w),
    devices: sortedMap(w.devices),
    devicesByHome: sortedMap(w.devicesByHome).map(([h, list]) => [h, byId(list)]),
    linksByHome: sortedMap(w.linksByHome).map(([h, list]) => [h, byId(list)]),
    linkById: sortedMap(w.linkById),
  };
}

/** The snapshot brought up to date, and how (every update since `check` was called). */
async function update() {
  origins.length = 0;
  const w = await cache.check();
  return { w, origins: [...origins] };
}

/** The homeowner's next consent version for each (partner, category) given, in one statement. */
async function consent(homeId: string, choices: [partnerId: string, category: string, mode: string][]) {
  const values = choices.map(
    (_, i) =>
      `($1, $${i * 3 + 2}, $${i * 3 + 3}, $${i * 3 + 4}::share_mode, (select coalesce(max(version), 0) + 1 from consents where home_id = $1 and partner_id = $${i * 3 + 2} and category_key = $${i * 3 + 3}))`,
  );
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
    const { w: after, origins } = await update();
    expect(origins).toEqual(["changes applied"]);
    expect(after.policyVersion).toBe(before.policyVersion + 2);
    expect(after.changedHomes).toEqual([home]);
    expect(contents(after)).toEqual(contents(await loadWorld(t.db)));
    expect(decisions(after)).not.toEqual(beforeDecisions);
    // The snapshot decisions already under way use is left as it was.
    expect(decisions(before)).toEqual(beforeDecisions);
  });

  it("applies links revoked, added (for a home it has never seen), re-tokened and removed, with consents between", async () => {
    const home1 = stableId("home:1");
    const before = cache.current();
    const beforeContents = contents(before);
    await consent(home1, [["alexa", "user.device.sensor.temperature", "proactive"]]);
    await t.pool.query("update partner_links set status = 'revoked', ended_at = now() where home_id = $1 and partner_id = 'alexa'", [home1]);
    await consent(home1, [["google-home", "user.device.sensor.temperature", "proactive"]]);
    const [{ id: newHome }] = (
      await t.pool.query("insert into homes (name, region, timezone) select 'New home', region, timezone from homes limit 1 returning id")
    ).rows;
    await t.pool.query(
      "insert into devices (home_id, model_id, sku_id, name, room, serial) select $1, model_id, sku_id, 'Hall', 'Hall', 'new-serial-1' from devices limit 1",
      [newHome],
    );
    await t.pool.query(
      "insert into partner_links (home_id, partner_id, region, external_account_id, access_token_enc) values ($1, 'google-home', 'eu', 'agent-new', null)",
      [newHome],
    );
    await consent(newHome, [["google-home", "user.device.sensor.temperature", "proactive"]]);
    const home2 = stableId("home:2");
    await t.pool.query("update partner_links set external_account_id = external_account_id || '-2' where home_id = $1", [home2]);
    await t.pool.query("delete from partner_links where home_id = $1 and partner_id = 'google-home'", [home2]);
    const { w: after, origins } = await update();
    expect(origins).toEqual(["changes applied"]);
    expect(new Set(after.changedHomes)).toEqual(new Set([home1, newHome, home2]));
    expect(after.linksByHome.get(newHome)).toEqual([expect.objectContaining({ partnerId: "google-home", externalAccountId: "agent-new" })]);
    expect((after.linksByHome.get(home1) ?? []).some((l) => l.partnerId === "alexa")).toBe(false);
    expect(after.devicesByHome.get(newHome)).toHaveLength(1);
    expect(contents(after)).toEqual(contents(await loadWorld(t.db)));
    expect(contents(before)).toEqual(beforeContents);
  });

  it("applies devices added, moved to another home, renamed and removed", async () => {
    const home3 = stableId("home:3");
    const home4 = stableId("home:4");
    const [moved, renamed, removed] = (await t.pool.query("select id from devices where home_id = $1 order by id", [home3])).rows.map((r) => r.id as string);
    const before = (await update()).w.policyVersion;
    await t.pool.query("update devices set home_id = $2 where id = $1", [moved, home4]);
    await t.pool.query("update devices set name = 'Landing', room = 'Landing' where id = $1", [renamed]);
    await t.pool.query(
      "insert into devices (home_id, model_id, sku_id, name, room, serial) select $1, model_id, sku_id, 'Attic', 'Attic', 'new-serial-2' from devices limit 1",
      [home4],
    );
    if (removed) await t.pool.query("delete from devices where id = $1", [removed]);
    // A heartbeat moves nothing.
    await t.pool.query("update devices set last_seen_at = now() where home_id = $1", [home4]);
    const { w: after, origins } = await update();
    expect(origins).toEqual(["changes applied"]);
    expect(new Set(after.changedHomes)).toEqual(new Set([home3, home4]));
    // One counter move (and log row) for each statement but the heartbeat's.
    expect(after.policyVersion - before).toBe(removed ? 4 : 3);
    expect(after.devices.get(moved!)?.homeId).toBe(home4);
    expect(after.devices.get(renamed!)?.name).toBe("Landing");
    expect(contents(after)).toEqual(contents(await loadWorld(t.db)));
  });

  it("applies agreement and certification changes by reading the terms again, naming no home (every home's may move)", async () => {
    await t.pool.query("update certifications set status = 'revoked' where id = (select id from certifications order by id limit 1)");
    await t.pool.query(
      "update agreement_versions set ended_at = $1 where id = (select v.id from agreement_versions v join agreements a on a.id = v.agreement_id where a.partner_id = 'alexa' and v.status = 'active' limit 1)",
      [new Date(NOW.getTime() - 60_000)],
    );
    const { w: after, origins } = await update();
    expect(origins).toEqual(["changes applied"]);
    expect(after.changedHomes).toBeUndefined();
    expect(contents(after)).toEqual(contents(await loadWorld(t.db)));
  });

  it("changes nothing, and names no home to check, for terms read again that are as they were (a draft edited)", async () => {
    const before = cache.current();
    const [{ id: agreementId }] = (await t.pool.query("select id from agreements where partner_id = 'alexa' limit 1")).rows;
    const [{ id: draft }] = (
      await t.pool.query("insert into agreement_versions (agreement_id, version, status, summary) values ($1, 99, 'draft', 'Next terms') returning id", [
        agreementId,
      ])
    ).rows;
    await t.pool.query(
      "insert into agreement_clauses (version_id, clause_key, kind, title, legal_text, terms, position) values ($1, '9.1', 'rate_limit', 'Rate', 'At most so many.', $2, 1)",
      [draft, JSON.stringify({ kind: "rate_limit", maxPerMinute: 1, scope: "integration" })],
    );
    const { w: after, origins } = await update();
    expect(origins.length).toBeGreaterThan(0);
    expect(origins.every((o) => o === "changes applied")).toBe(true);
    expect(after.policyVersion).toBe(before.policyVersion + 2);
    expect(after.policy).toBe(before.policy);
    expect(after.changedHomes).toEqual([]);
    expect(contents(after)).toEqual(contents(await loadWorld(t.db)));
  });

  it("applies a device model's change (renamed, other categories, another key) to every device of the model, naming no home", async () => {
    const [model] = (
      await t.pool.query(
        "select m.id, m.key, m.categories from device_models m where exists (select 1 from devices d where d.model_id = m.id) order by m.key limit 1",
      )
    ).rows;
    await t.pool.query("update device_models set name = name || ' (2nd edition)', categories = $2 where id = $1", [model.id, model.categories.slice(0, -1)]);
    await t.pool.query("update device_models set key = key || '-v2' where id = $1", [model.id]);
    const { w: after, origins } = await update();
    expect(origins).toEqual(["changes applied"]);
    expect(after.changedHomes).toBeUndefined();
    const ofModel = [...after.devices.values()].filter((d) => d.modelId === model.id);
    expect(ofModel.length).toBeGreaterThan(0);
    expect(
      ofModel.every((d) => d.modelKey === `${model.key}-v2` && d.modelName.endsWith("(2nd edition)") && d.categories.length === model.categories.length - 1),
    ).toBe(true);
    expect(contents(after)).toEqual(contents(await loadWorld(t.db)));
  });

  it("loads whole when the counter moved with no log row (a database older than the log, a change made by hand)", async () => {
    await consent(stableId("home:5"), [["alexa", "user.device.sensor.temperature", "off"]]);
    await t.pool.query("update app_meta set value = to_jsonb((value #>> '{}')::bigint + 1) where key = 'policy.version'");
    const { w: after, origins } = await update();
    // The consent before the gap is applied; the gap itself takes a load.
    expect(origins).toEqual(["changes applied", "loaded"]);
    expect(contents(after)).toEqual(contents(await loadWorld(t.db)));
  });

  it("loads whole when a log row is not what the schema says (a row it cannot read is one the log cannot say)", async () => {
    await t.pool.query(`
      with v as (update app_meta set value = to_jsonb((value #>> '{}')::bigint + 1) where key = 'policy.version' returning (value #>> '{}')::bigint as n)
      insert into policy_changes (version, kind, consents) select n, 'consents', '[{"homeId": 1}]'::jsonb from v`);
    const { w: after, origins } = await update();
    expect(origins).toEqual(["loaded"]);
    expect(contents(after)).toEqual(contents(await loadWorld(t.db)));
  });

  it("brings itself up to date unasked: told by LISTEN where the server offers it (PostgreSQL; its poll an hour apart here), by its poll otherwise", async () => {
    const listens = t.backend === "postgres";
    const own = new WorldCache(t.db, listens ? 3_600_000 : 100);
    await own.start({ listenUrl: listens ? t.url : undefined });
    try {
      const home = [...own.current().linksByHome.keys()].sort()[0]!;
      await t.pool.query("update partner_links set status = 'unlinked', ended_at = now() where home_id = $1", [home]);
      const deadline = Date.now() + 5_000;
      while (own.current().linksByHome.has(home) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(own.current().linksByHome.has(home)).toBe(false);
      expect(own.current().origin).toBe("changes applied");
    } finally {
      own.stop();
    }
  });

  it("loads whole when the changes name more homes than are worth reading again (a fleet imported)", async () => {
    const seen: World["origin"][] = [];
    const small = new WorldCache(t.db, 60_000, (w) => seen.push(w.origin), null, 2);
    await small.start();
    try {
      const homes = [0, 1, 2].map((i) => stableId(`home:${i}`));
      await t.pool.query("update partner_links set external_account_id = external_account_id || '-x' where home_id = any($1::uuid[])", [homes]);
      seen.length = 0;
      const after = await small.check();
      expect(seen).toEqual(["loaded"]);
      expect(contents(after)).toEqual(contents(await loadWorld(t.db)));
      // The worker's own cache (up to 10,000 homes) applies the same statement.
      expect((await update()).origins).toEqual(["changes applied"]);
    } finally {
      small.stop();
    }
  });

  it("catches up with many statements at once and ends where a fresh load is", async () => {
    const homes = [0, 2, 3, 4, 5].map((i) => stableId(`home:${i}`));
    const modes = ["off", "on_request", "proactive"];
    const categories = [...CATEGORY_KEYS];
    for (let i = 0; i < 30; i++) {
      await consent(homes[i % homes.length]!, [["google-home", categories[i % categories.length]!, modes[i % 3]!]]);
      if (i % 10 === 0)
        await t.pool.query("update partner_links set status = $2 where home_id = $1 and partner_id = 'alexa'", [
          homes[i % homes.length],
          i % 20 ? "active" : "unlinked",
        ]);
    }
    const { w: after, origins } = await update();
    expect(origins.length).toBeGreaterThan(0);
    expect(origins.every((o) => o === "changes applied")).toBe(true);
    expect(contents(after)).toEqual(contents(await loadWorld(t.db)));
    // The log keeps what it wrote, under the counter's values.
    const log = await t.pool.query("select count(*)::int as n, max(version)::int as last from policy_changes");
    expect(log.rows[0].last).toBe(after.policyVersion);
  });
});
