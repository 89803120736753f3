import { describe, expect, it } from "vitest";
import { jsonArray, plainArray, textArray } from "./arrays";
import { availableBackends, createTestDatabase } from "./testing";

for (const backend of availableBackends()) {
  describe(`array literals built as text (${backend})`, () => {
    it("read back exactly: quotes, backslashes, braces, commas, the word NULL, unicode, and SQL NULLs", async () => {
      const t = await createTestDatabase(backend);
      try {
        const texts = ['a"b', "c\\d", "{x,y}", "NULL", "", "ключ é", null, " lead and trail "];
        const json = [{ a: 'q"\\', b: [1, 2.5, null] }, null, "just a string", 42];
        const r = await t.pool.query("select $1::text[] as t, $2::jsonb[] as j, $3::bigint[] as n, $4::uuid[] as u, $5::boolean[] as b", [
          textArray(texts),
          jsonArray(json),
          plainArray([1, null, 9_007_199_254_740_991]),
          plainArray(["00000000-0000-4000-8000-000000000001", null]),
          plainArray([true, false, null]),
        ]);
        expect(r.rows[0].t).toEqual(texts);
        expect(r.rows[0].j).toEqual(json);
        expect(r.rows[0].n).toEqual(["1", null, "9007199254740991"]);
        expect(r.rows[0].u).toEqual(["00000000-0000-4000-8000-000000000001", null]);
        expect(r.rows[0].b).toEqual([true, false, null]);
        // Text arrays inside a text array (clause keys per row), cast on the way in.
        const nested = await t.pool.query("select (x)::text[] as keys from unnest($1::text[]) as x", [textArray([textArray(["2.1", 'x"y']), textArray([])])]);
        expect(nested.rows.map((row) => row.keys)).toEqual([["2.1", 'x"y'], []]);
      } finally {
        await t.drop();
      }
    });
  });
}
