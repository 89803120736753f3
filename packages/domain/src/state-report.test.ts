// The fast path of report validation against the schema it stands in for: on reports made to be
// valid, and on the same reports with one thing wrong, it accepts exactly what the schema accepts.
import Ajv from "ajv";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { deviceIdOfTopic, isValidStateReport, stateReportJsonSchema, stateReportSchema } from "./state-report";

const valid = fc.record({
  v: fc.constant(1),
  deviceId: fc.uuid(),
  seq: fc.oneof(fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER)),
  observedAt: fc.date({ min: new Date("1999-01-01"), max: new Date("2099-12-31"), noInvalidDate: true }).map((d) => d.toISOString()),
  cause: fc.constantFrom("physical", "app", "voice", "schedule", "periodic"),
  properties: fc
    .record(
      {
        temperature: fc.double({ min: -40, max: 85, noNaN: true }),
        heatingSetpoint: fc.double({ min: 5, max: 35, noNaN: true }),
        coolingSetpoint: fc.integer({ min: 5, max: 35 }),
        hvacMode: fc.constantFrom("heat", "cool", "auto", "eco", "off"),
        humidity: fc.double({ min: 0, max: 100, noNaN: true }),
        occupancy: fc.boolean(),
        lockState: fc.constantFrom("locked", "unlocked", "jammed"),
        contactState: fc.constantFrom("open", "closed"),
        energyWh: fc.integer({ min: 0, max: 1_000_000 }),
      },
      { requiredKeys: [] },
    )
    .filter((p) => Object.keys(p).length > 0),
});

/** One thing wrong (or not quite: some mutations keep the report valid, and both must agree). */
const mutation = fc.oneof(
  fc.record({ key: fc.constantFrom("v", "deviceId", "seq", "observedAt", "cause", "properties", "extra"), value: fc.anything() }),
  fc.record({
    key: fc.constant("properties"),
    value: fc.dictionary(
      fc.constantFrom("temperature", "humidity", "hvacMode", "occupancy", "lockState", "mood", "energyWh"),
      fc.oneof(fc.double(), fc.string(), fc.boolean(), fc.integer({ min: -100, max: 2_000_000 })),
    ),
  }),
  fc.record({
    key: fc.constantFrom("observedAt", "deviceId"),
    value: fc.constantFrom(
      "2026-02-29T00:00:00Z",
      "2024-02-29T00:00:00.5+05:30",
      "2026-11-24T24:00:00Z",
      "2026-11-24T12:00Z",
      "2026-11-24 12:00:00Z",
      "0b9c7f4e-2f0a-4f57-9c43-1c1f5a0e0a01",
      "0B9C7F4E-2F0A-4F57-9C43-1C1F5A0E0A01",
      "0b9c7f4e-2f0a-0f57-9c43-1c1f5a0e0a01",
    ),
  }),
  fc.record({ key: fc.constant("seq"), value: fc.constantFrom(-1, 1.5, 2 ** 53, "7", null) }),
);

describe("isValidStateReport", () => {
  it("accepts what the schema accepts, on valid reports", () => {
    fc.assert(
      fc.property(valid, (r) => {
        const json = JSON.parse(JSON.stringify(r));
        expect(stateReportSchema.safeParse(json).success).toBe(true);
        expect(isValidStateReport(json)).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it("agrees with the schema with one thing changed: refuses what it refuses, accepts what it accepts", () => {
    const seen = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(valid, mutation, (r, m) => {
        const json = JSON.parse(JSON.stringify({ ...r, [m.key]: m.value }));
        const schema = stateReportSchema.safeParse(json).success;
        expect(isValidStateReport(json), JSON.stringify(json)).toBe(schema);
        seen[schema ? "accepted" : "refused"]++;
      }),
      { numRuns: 5_000 },
    );
    // Most mutations break the report; the check is not all one way.
    expect(seen.refused).toBeGreaterThan(2_500);
  });

  it("refuses what JSON can smuggle in: a __proto__ key, arrays, a missing field", () => {
    const base = {
      v: 1,
      deviceId: "0b9c7f4e-2f0a-4f57-9c43-1c1f5a0e0a01",
      seq: 1,
      observedAt: "2026-11-24T12:00:00Z",
      cause: "app",
      properties: { temperature: 20 },
    };
    expect(isValidStateReport(JSON.parse(JSON.stringify(base)))).toBe(true);
    expect(isValidStateReport(JSON.parse(JSON.stringify(base).replace('"v":1', '"__proto__":{},"v":1')))).toBe(false);
    expect(isValidStateReport(JSON.parse(JSON.stringify({ ...base, properties: [20] })))).toBe(false);
    expect(isValidStateReport(JSON.parse(JSON.stringify({ ...base, cause: undefined })))).toBe(false);
    expect(isValidStateReport(JSON.parse(JSON.stringify({ ...base, properties: { temperature: 20, toString: 1 } })))).toBe(false);
    expect(isValidStateReport([base])).toBe(false);
  });
});

describe("the published JSON Schema", () => {
  // Formats are left to the patterns the schema carries beside them.
  const validate = new Ajv({ strict: false, validateFormats: false }).compile(stateReportJsonSchema());

  it("accepts exactly what the worker's schema accepts, on valid reports and with one thing changed", () => {
    fc.assert(
      fc.property(valid, fc.option(mutation, { nil: null }), (r, m) => {
        const json = JSON.parse(JSON.stringify(m ? { ...r, [m.key]: m.value } : r));
        expect(validate(json), JSON.stringify(json)).toBe(stateReportSchema.safeParse(json).success);
      }),
      { numRuns: 5_000 },
    );
  });

  it("says what it cannot check itself, and needs at least one property", () => {
    const schema = stateReportJsonSchema();
    expect(schema.description).toMatch(/at most 4096 bytes/);
    expect(schema.description).toMatch(/5 minutes ahead/);
    const base = { v: 1, deviceId: "0b9c7f4e-2f0a-4f57-9c43-1c1f5a0e0a01", seq: 1, observedAt: "2026-11-24T12:00:00Z", cause: "app" };
    expect(validate({ ...base, properties: {} })).toBe(false);
    expect(validate({ ...base, properties: { humidity: 40 } })).toBe(true);
  });
});

describe("deviceIdOfTopic", () => {
  it("reads a topic's fourth segment as split would", () => {
    for (const topic of [
      "proviso/v1/devices/d-1/state",
      "proviso/v1/devices/d-1/heartbeat",
      "proviso/v1/devices/d-1",
      "proviso/v1/devices/",
      "proviso/v1/devices",
      "a/b",
      "",
      "/////",
      "a/b/c/d/e/f",
    ]) {
      expect(deviceIdOfTopic(topic)).toBe(topic.split("/")[3]);
    }
  });
});
