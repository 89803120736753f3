import { describe, expect, it } from "vitest";
import { ID_BLOCK, idsFromBlocks, reserveIds } from "./ids";
import { availableBackends, createTestDatabase } from "./testing";

describe("ids reserved in blocks", () => {
  it("fill each block before the next, ascending", () => {
    expect(idsFromBlocks([1], 3)).toEqual([1, 2, 3]);
    const ids = idsFromBlocks([1, 1 + 5 * ID_BLOCK], ID_BLOCK + 2);
    expect(ids.slice(ID_BLOCK - 1)).toEqual([ID_BLOCK, 1 + 5 * ID_BLOCK, 2 + 5 * ID_BLOCK]);
  });

  for (const backend of availableBackends()) {
    it(`never hand the same id out twice, however reservations interleave (${backend})`, async () => {
      const t = await createTestDatabase(backend);
      try {
        const sizes = [1, 2_500, 1_024, 7, 1_025, 3_000, 1];
        const got = await Promise.all(sizes.map((n) => t.db.transaction((tx) => reserveIds(tx, "decisions_id_seq", n))));
        got.forEach((ids, i) => {
          expect(ids).toHaveLength(sizes[i]!);
          expect(ids.every((id, k) => k === 0 || id > ids[k - 1]!)).toBe(true);
        });
        const all = got.flat();
        expect(new Set(all).size).toBe(all.length);
        // A row written with the column default takes a fresh block of its own.
        const r = await t.pool.query(
          "insert into state_events (device_id, home_id, seq, observed_at, cause, properties) values (gen_random_uuid(), gen_random_uuid(), 1, now(), 'physical', '{}') returning id",
        );
        const events = await t.db.transaction((tx) => reserveIds(tx, "state_events_id_seq", 3));
        expect(events.every((id) => id > Number(r.rows[0].id))).toBe(true);
      } finally {
        await t.drop();
      }
    });
  }
});
