// LayeredMap against a plain Map given the same changes: what it reads, its size and its entries
// agree after every step, every earlier map is left as it was, and layers fold into a plain map
// once they outgrow their share.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LayeredMap } from "./layered-map";

const contents = (m: ReadonlyMap<number, string>) => [...m.entries()].sort(([a], [b]) => a - b);

describe("LayeredMap", () => {
  it("reads, counts and iterates as a map with the same changes made; earlier maps stay as they were", () => {
    const change = fc.tuple(fc.integer({ min: 0, max: 3_000 }), fc.option(fc.string({ maxLength: 3 }), { nil: undefined }));
    // A few changes at a time, or many hundreds (so layers outgrow their share). With 300–700, a run
    // of 60 met the plain copy 10–30 times (median 18), and the bar below failed about once in 100
    // runs (once in CI); with 600–1,200 it is met 27–70 times (200 runs of 60 measured).
    const step = fc.oneof(fc.array(change, { maxLength: 20 }), fc.array(change, { minLength: 600, maxLength: 1_200 }));
    let layered = 0;
    let flattened = 0;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2_500 }), fc.array(step, { minLength: 1, maxLength: 8 }), (baseSize, steps) => {
        const model = new Map<number, string>(Array.from({ length: baseSize }, (_, i) => [i, `v${i}`]));
        let map: ReadonlyMap<number, string> = new Map(model);
        const history: [ReadonlyMap<number, string>, ReturnType<typeof contents>][] = [];
        for (const changes of steps) {
          history.push([map, contents(map)]);
          map = LayeredMap.with(map, new Map(changes));
          for (const [k, v] of changes) {
            if (v === undefined) model.delete(k);
            else model.set(k, v);
          }
          if (map instanceof LayeredMap) layered++;
          else flattened++; // the layers outgrew their share: the changes made in a plain copy
          expect(map.size).toBe(model.size);
          expect(contents(map)).toEqual(contents(model));
          expect([...map.keys()].sort((a, b) => a - b)).toEqual([...model.keys()].sort((a, b) => a - b));
          expect([...map.values()].length).toBe(model.size);
          for (const k of [0, 1, 2_999, 3_000, ...changes.map(([k]) => k)]) {
            expect(map.get(k)).toBe(model.get(k));
            expect(map.has(k)).toBe(model.has(k));
          }
          const seen: [number, string][] = [];
          map.forEach((v, k) => seen.push([k, v]));
          expect(seen.sort(([a], [b]) => a - b)).toEqual(contents(model));
        }
        for (const [m, before] of history) expect(contents(m)).toEqual(before);
      }),
      { numRuns: 60 },
    );
    // Both ways of taking changes are met.
    expect(layered).toBeGreaterThan(100);
    expect(flattened).toBeGreaterThan(10);
  });

  it("never stacks layers: a lookup reads at most the changes since the plain map and that map", () => {
    const base = new Map(Array.from({ length: 10_000 }, (_, i) => [i, i]));
    let m: ReadonlyMap<number, number> = base;
    for (let i = 0; i < 100; i++) m = LayeredMap.with(m, new Map([[i, -i]]));
    expect(m).toBeInstanceOf(LayeredMap);
    expect((m as unknown as { base: unknown }).base).toBe(base);
    expect(m.get(50)).toBe(-50);
    expect(m.get(5_000)).toBe(5_000);
    // Past an eighth of the plain map (1,250 entries here), the changes go into a plain copy, which
    // the next changes are layered over.
    let copies = 0;
    for (let i = 0; i < 2_000; i++) {
      m = LayeredMap.with(m, new Map([[20_000 + i, i]]));
      if (!(m instanceof LayeredMap)) copies++;
      expect((m as unknown as { top?: Map<number, number> }).top?.size ?? 0).toBeLessThanOrEqual(1_250);
    }
    expect(copies).toBe(1);
    expect(m.size).toBe(12_000);
    expect(m.get(50)).toBe(-50);
    expect(m.get(21_999)).toBe(1_999);
    expect(base.size).toBe(10_000);
  });
});
