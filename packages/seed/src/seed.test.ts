// Migrations and the demo seed, on the embedded database and (when DATABASE_URL is set) on a real
// PostgreSQL.
import { availableBackends, createTestDatabase, type TestDatabase } from "@proviso/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_LOGINS, seed } from "./index";

const NOW = new Date("2026-11-24T00:00:00Z");

describe.each(availableBackends())("migrations and seed on %s", (backend) => {
  let t: TestDatabase;
  const count = async (table: string) => Number((await t.pool.query(`select count(*)::int as n from ${table}`)).rows[0].n);

  beforeAll(async () => {
    t = await createTestDatabase(backend);
  });
  afterAll(async () => t?.drop());

  it("builds the demo story", async () => {
    const result = await seed(t.db, { now: NOW });
    expect(result).toMatchObject({ skipped: false, homes: 50 });
    expect(await count("partners")).toBe(4);
    expect(await count("homes")).toBe(50);
    const devices = await count("devices");
    expect(devices).toBeGreaterThanOrEqual(130);
    expect(devices).toBeLessThanOrEqual(170);
    expect(await count("partner_links")).toBeGreaterThan(50);
    expect(await count("consents")).toBeGreaterThan(100);

    const alexa = await t.pool.query(
      `select v.version, v.status, c.clause_key, c.terms
         from agreement_versions v join agreements a on a.id = v.agreement_id
         join agreement_clauses c on c.version_id = v.id
        where a.partner_id = 'alexa' and c.kind = 'data_share' order by v.version, c.clause_key`,
    );
    const v1 = alexa.rows.filter((r) => r.version === 1);
    expect(v1.every((r) => r.status === "active" && JSON.stringify(r.terms.modes) === '["on_request"]')).toBe(true);
    const v2 = alexa.rows.filter((r) => r.version === 2);
    expect(v2[0].status).toBe("in_review");
    const proactive = v2.filter((r) => r.terms.modes.includes("proactive")).map((r) => r.terms.category);
    expect(proactive.sort()).toEqual(["user.device.sensor.lock_state", "user.device.sensor.occupancy", "user.device.sensor.temperature"]);
    // The leverage behind v2 is on the record.
    const leverage = await t.pool.query(`select leverage from partner_demands where partner_id = 'alexa' order by leverage::text`);
    expect(leverage.rows.map((r) => r.leverage)).toEqual(["certification", "certification", "retail_listing"]);
    for (const email of Object.values(DEMO_LOGINS)) {
      expect((await t.pool.query("select 1 from users where email = $1", [email])).rowCount).toBe(1);
    }
  });

  it("runs again without changing anything", async () => {
    const before = await Promise.all(["homes", "devices", "consents", "agreement_version_events"].map(count));
    expect((await seed(t.db, { now: NOW })).skipped).toBe(true);
    const after = await Promise.all(["homes", "devices", "consents", "agreement_version_events"].map(count));
    expect(after).toEqual(before);
  });

  it("keeps consent history append-only", async () => {
    await expect(t.pool.query("update consents set mode = 'proactive'")).rejects.toThrow(/append-only/);
    await expect(t.pool.query("delete from consents")).rejects.toThrow(/append-only/);
  });

  it("refuses a partner user without a partner, and a homeowner with one", async () => {
    await expect(t.pool.query(`insert into users (email, name, password_hash, role) values ('p@x.test', 'P', 'x', 'partner')`)).rejects.toThrow(
      /users_partner_role_ck/,
    );
    await expect(
      t.pool.query(`insert into users (email, name, password_hash, role, partner_id) values ('h@x.test', 'H', 'x', 'homeowner', 'alexa')`),
    ).rejects.toThrow(/users_partner_role_ck/);
  });
});

describe("determinism", () => {
  it("builds the same data from the same seed", async () => {
    const snapshot = async () => {
      const t = await createTestDatabase("embedded");
      try {
        await seed(t.db, { now: NOW, homes: 12 });
        const q = (sql: string) => t.pool.query(sql).then((r) => JSON.stringify(r.rows));
        return [
          await q("select id, name, region from homes order by id"),
          await q("select id, home_id, serial, room from devices order by id"),
          await q("select home_id, partner_id, category_key, mode, version from consents order by 1, 2, 3, 5"),
        ];
      } finally {
        await t.drop();
      }
    };
    expect(await snapshot()).toEqual(await snapshot());
  });

  it("reports progress while building a larger fleet in chunks", async () => {
    const t = await createTestDatabase("embedded");
    try {
      const seen: number[] = [];
      const r = await seed(t.db, { now: NOW, homes: 120, chunkSize: 50, onProgress: (done) => seen.push(done) });
      expect(seen).toEqual([50, 100, 120]);
      expect(r.homes).toBe(120);
      expect(Number((await t.pool.query("select count(*) from homes")).rows[0].count)).toBe(120);
    } finally {
      await t.drop();
    }
  });
});
