import { describe, expect, it } from "vitest";
import { binary } from "./binary-arrays";
import { availableBackends, createTestDatabase } from "./testing";

for (const backend of availableBackends()) {
  describe(`array parameters in binary form (${backend})`, () => {
    it("read back exactly: uuids, integers at the edges, booleans, times, text, jsonb and json with NULLs, and empty arrays", async () => {
      const t = await createTestDatabase(backend);
      try {
        const uuids = ["00000000-0000-4000-8000-000000000001", null, "FFFFFFFF-ffff-4fff-bfff-abcdefABCDEF"];
        const bigints = [0, -1, 1, 9_007_199_254_740_991, -9_007_199_254_740_991, null, 4_294_967_296, -4_294_967_297];
        const times = [Date.UTC(2026, 10, 30, 1, 2, 3, 456), Date.UTC(1999, 11, 31, 23, 59, 59, 999), null, 0];
        const texts = ['a"b', "c\\d", "{x,y}", "NULL", "", "ключ é 🏠", null];
        const json = [JSON.stringify({ a: 'q"\\', b: [1, 2.5, null], ключ: "é" }), null, '"just a string"', "42"];
        const r = await t.pool.query(
          "select $1::uuid[] as u, $2::bigint[] as n, $3::int[] as i, $4::boolean[] as b, $5::timestamptz[] as ts, $6::text[] as t, $7::jsonb[] as j, $8::uuid[] as e, $9::jsonb[] as ej",
          [
            binary.uuids(uuids),
            binary.bigints(bigints),
            binary.ints([1, -2_147_483_648, 2_147_483_647, null]),
            binary.bools([true, false, null]),
            binary.timestamps(times),
            binary.texts(texts),
            binary.jsonbs(json),
            binary.uuids([]),
            binary.jsonbs([]),
          ],
        );
        const row = r.rows[0];
        expect(row.u).toEqual(uuids.map((u) => u?.toLowerCase() ?? null));
        expect(row.n).toEqual(bigints.map((n) => (n === null ? null : String(n))));
        expect(row.i).toEqual([1, -2_147_483_648, 2_147_483_647, null]);
        expect(row.b).toEqual([true, false, null]);
        expect(row.ts.map((d: Date | null) => d?.getTime() ?? null)).toEqual(times);
        expect(row.t).toEqual(texts);
        expect(row.j).toEqual(json.map((d) => (d === null ? null : JSON.parse(d))));
        expect(row.e).toEqual([]);
        expect(row.ej).toEqual([]);
        // json keeps each document as the text it was sent as; a document that is not JSON is refused.
        const kept = await t.pool.query("select $1::json[] as j, $1::json[]::text[] as t", [binary.jsons(json)]);
        expect(kept.rows[0].j).toEqual(json.map((d) => (d === null ? null : JSON.parse(d))));
        expect(kept.rows[0].t).toEqual(json);
        await expect(t.pool.query("select $1::json[]", [binary.jsons(['{"a":'])])).rejects.toThrow(/invalid input syntax for type json/);
        // ASCII only, with NULLs, empty strings and control characters.
        const asciiTexts = ["a", null, "", "x\u0001y", null];
        const asciiJson = ['{"a":1}', null, "[]", '"\\u00e9"'];
        const a = await t.pool.query("select $1::text[] as t, $2::jsonb[] as j", [binary.texts(asciiTexts), binary.jsonbs(asciiJson)]);
        expect(a.rows[0].t).toEqual(asciiTexts);
        expect(a.rows[0].j).toEqual(asciiJson.map((d) => (d === null ? null : JSON.parse(d))));
        // Unnested beside each other, as the hot path's statements use them.
        const z = await t.pool.query("select * from unnest($1::bigint[], $2::uuid[]) as t(n, u)", [binary.bigints([1, 2]), binary.uuids([uuids[0], null])]);
        expect(z.rows).toEqual([
          { n: "1", u: uuids[0] },
          { n: "2", u: null },
        ]);
      } finally {
        await t.drop();
      }
    });
  });
}

describe("binary array encoding refuses what it cannot write exactly", () => {
  it("names the bad value", () => {
    expect(() => binary.uuids(["not-a-uuid"])).toThrow(/not a uuid/);
    expect(() => binary.uuids(["00000000-0000-4000-8000-00000000000g"])).toThrow(/not a uuid/);
    expect(() => binary.uuids(["00000000x0000-4000-8000-000000000001"])).toThrow(/not a uuid/);
    expect(() => binary.uuids(["00000000-0000-4000-8000-00000000000é"])).toThrow(/not a uuid/);
    expect(() => binary.bigints([2 ** 53])).toThrow(/safe integer/);
    expect(() => binary.bigints([1.5])).toThrow(/safe integer/);
    expect(() => binary.ints([2 ** 31])).toThrow(/int4/);
    expect(() => binary.timestamps([1.5])).toThrow(/whole milliseconds/);
  });
});
