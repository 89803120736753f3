import { describe, expect, it } from "vitest";
import { CHURNING_TABLES, vacuumChurningTables } from "./maintenance";
import { availableBackends, createTestDatabase } from "./testing";

for (const backend of availableBackends()) {
  describe(`vacuuming the tables the worker rewrites (${backend})`, () => {
    it("vacuums and analyses each of them, outside any transaction", async () => {
      const t = await createTestDatabase(backend);
      try {
        for (let i = 0; i < 20; i++) await t.pool.query("update app_meta set value = value");
        await vacuumChurningTables(t.db);
        await t.pool.query("select pg_stat_clear_snapshot()");
        const r = await t.pool.query("select relname, vacuum_count::int, analyze_count::int from pg_stat_user_tables where relname = any($1)", [
          [...CHURNING_TABLES],
        ]);
        expect(r.rows.map((x) => x.relname).sort()).toEqual([...CHURNING_TABLES].sort());
        for (const row of r.rows) expect(row).toMatchObject({ vacuum_count: expect.any(Number), analyze_count: expect.any(Number) });
        expect(r.rows.every((x) => x.vacuum_count >= 1 && x.analyze_count >= 1)).toBe(true);
      } finally {
        await t.drop();
      }
    });
  });
}
