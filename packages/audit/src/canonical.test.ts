import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical";

/** The definition, written plainly: what the one-pass version must give, byte for byte. */
function reference(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (value instanceof Date) return String(value.getTime());
  if (typeof value === "number" || typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : reference(v))).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(",")}}`;
}

describe("canonical JSON", () => {
  it("sorts keys by code unit at every depth, drops undefined, writes dates as milliseconds", () => {
    const values: unknown[] = [
      { b: 1, a: [3, { z: null, y: undefined, x: 'é"\\' }], ключ: true, Z: 2, "": 0, "a\u0000": 1, "😀": "🏠" },
      [undefined, null, 0, -0.5, 1e21, 2.5e-7, "", new Date(Date.UTC(2026, 10, 30))],
      { nested: { deeper: { deepest: [[], {}, [{}]] } }, n: 12345678901234567890n },
      "plain",
      42,
      null,
    ];
    for (const v of values) expect(canonicalJson(v)).toBe(reference(v));
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/cannot hash/);
  });
});
