import { describe, expect, it } from "vitest";
import { parseStateReport } from "./validate";

const NOW = Date.parse("2026-11-24T12:00:00Z");
const DEVICE = "0b9c7f4e-2f0a-4f57-9c43-1c1f5a0e0a01";
const good = { v: 1, deviceId: DEVICE, seq: 7, observedAt: "2026-11-24T11:59:58.000Z", cause: "physical", properties: { temperature: 21.4 } };
const code = (raw: unknown, topic?: string) => {
  const r = parseStateReport(typeof raw === "string" ? raw : JSON.stringify(raw), NOW, topic);
  return r.ok ? "OK" : r.rejection.code;
};

describe("parseStateReport", () => {
  it("accepts a good report", () => expect(code(good)).toBe("OK"));
  it.each([
    ["bad JSON", "{not json", "BAD_JSON"],
    ["an oversized payload", JSON.stringify({ ...good, pad: "x".repeat(5000) }), "TOO_LARGE"],
    ["a missing sequence number", { ...good, seq: undefined }, "BAD_SHAPE"],
    ["an unknown version", { ...good, v: 2 }, "BAD_SHAPE"],
    ["a wrong type", { ...good, properties: { temperature: "warm" } }, "WRONG_TYPE"],
    ["an unknown property", { ...good, properties: { mood: "happy" } }, "BAD_SHAPE"],
    ["an out-of-range value", { ...good, properties: { humidity: 140 } }, "OUT_OF_RANGE"],
    ["an unknown lock state", { ...good, properties: { lockState: "ajar" } }, "WRONG_TYPE"],
    ["a timestamp far in the future", { ...good, observedAt: "2026-11-24T13:00:00Z" }, "FUTURE_TIMESTAMP"],
    ["a clock never set (1970)", { ...good, observedAt: "1970-01-01T00:00:07Z" }, "PAST_TIMESTAMP"],
    ["a time before any database timestamp a safe integer holds", { ...good, observedAt: "0001-01-01T00:00:00Z" }, "PAST_TIMESTAMP"],
    ["no properties", { ...good, properties: {} }, "BAD_SHAPE"],
  ])("rejects %s", (_what, raw, expected) => expect(code(raw)).toBe(expected));

  it("rejects a report whose device differs from its topic", () => {
    expect(code(good, "0b9c7f4e-2f0a-4f57-9c43-1c1f5a0e0a02")).toBe("TOPIC_MISMATCH");
  });

  it("says what is wrong in words, and which device it claimed", () => {
    const r = parseStateReport(JSON.stringify({ ...good, properties: { humidity: 140 } }), NOW);
    expect(r).toEqual({ ok: false, rejection: { code: "OUT_OF_RANGE", reason: expect.stringMatching(/^properties.humidity: /), deviceRef: DEVICE } });
  });
});
