// Ingest on a real database: a report becomes shadow, state event, decisions and outbox rows in one
// transaction, decided for every linked partner; stale, duplicate and bad reports change nothing
// and lose nothing, each quarantined with its reason.
import { describe, expect, it } from "vitest";
import { lockDevice, thermostat, useHarness } from "../testing/harness";
import { outbox, quarantine } from "@proviso/db";
import { eq } from "drizzle-orm";
import { type IncomingReport } from "./types";

const h = useHarness();

describe("ingest → decide", () => {
  it("delivers a consented proactive change to Google as complete trait state, and records every decision", async () => {
    const r = await h.ingest(h.report(thermostat, { temperature: 21.26, heatingSetpoint: 20, hvacMode: "heat" }));
    expect(r).toMatchObject({ accepted: 1, stateEvents: 1, outbox: 1, quarantined: 0 });
    // Alexa's v1 allows thermostat state on request only: its decisions are withholds.
    const alexa = await h.t.pool.query(
      "select category_key, outcome, reasons from decisions where device_id = $1 and partner_id = 'alexa' order by category_key",
      [thermostat],
    );
    expect(alexa.rows.every((d) => d.outcome === "withhold" && d.reasons.some((x: { code: string }) => x.code === "MODE_NOT_AGREED"))).toBe(true);

    expect((await h.deliver()).delivered).toBe(1);
    const [message] = h.received("google-home");
    expect(message!.status).toBe(200);
    expect(message!.schemaValid).toBe(true);
    const state = (message!.body as { payload: { devices: { states: Record<string, Record<string, unknown>> } } }).payload.devices.states[thermostat];
    // Rounded to 0.5 °C, as Google's clause 2.1 requires; the whole TemperatureSetting trait.
    expect(state).toEqual({ thermostatMode: "heat", thermostatTemperatureAmbient: 21.5, thermostatTemperatureSetpoint: 20 });
    const row = (await h.t.db.select().from(outbox).where(eq(outbox.partnerId, "google-home")))[0]!;
    expect(row).toMatchObject({ status: "delivered", lastStatusCode: 200 });
    expect(message!.messageId).toBe(row.messageId);
  });

  it("never sends a category without consent (lock state is on request only)", async () => {
    await h.ingest(h.report(lockDevice, { lockState: "unlocked" }));
    await h.deliver();
    expect(h.received("google-home")).toEqual([]);
    const d = await h.t.pool.query("select reasons from decisions where device_id = $1 and partner_id = 'google-home'", [lockDevice]);
    expect(d.rows[0].reasons.map((x: { code: string }) => x.code)).toEqual(["MODE_NOT_AGREED", "CONSENT_ON_REQUEST_ONLY"]);
  });

  it("drops stale and duplicate reports, and counts them", async () => {
    const s = ++h.seq;
    expect((await h.ingest(h.report(thermostat, { temperature: 22 }, { seq: s }))).stateEvents).toBe(1);
    const again = await h.ingest(h.report(thermostat, { temperature: 23 }, { seq: s }), h.report(thermostat, { temperature: 24 }, { seq: s - 5 }));
    expect(again).toMatchObject({ stale: 2, stateEvents: 0, outbox: 0 });
    const [shadow] = (await h.t.pool.query("select properties, stale_reports from device_shadow where device_id = $1", [thermostat])).rows;
    expect(shadow.properties.temperature.value).toBe(22);
    expect(Number(shadow.stale_reports)).toBeGreaterThanOrEqual(2);
  });

  it("quarantines bad reports with their reason while good ones flow on", async () => {
    const bad = [h.rawItem("{nope"), h.report(thermostat, { humidity: 140 }), h.report("0b9c7f4e-2f0a-4f57-9c43-1c1f5a0e0aff", { temperature: 20 })];
    const r = await h.ingest(...bad, h.report(thermostat, { temperature: 19.5 }));
    expect(r).toMatchObject({ quarantined: 3, stateEvents: 1 });
    const q = await h.t.db.select().from(quarantine).orderBy(quarantine.id);
    expect(q.map((x) => x.reasonCode)).toEqual(["BAD_JSON", "OUT_OF_RANGE", "UNKNOWN_DEVICE"]);
    expect(q[2]!.reason).toMatch(/no device .* is registered/);
  });

  it("quarantines reports the database could not keep as text (NUL bytes in the payload, the claimed id, the topic) without holding up the batch", async () => {
    const before = (await h.t.db.select().from(quarantine)).length;
    const nulPayload: IncomingReport = {
      source: "mqtt",
      topic: `proviso/v1/devices/${thermostat}/state`,
      raw: Buffer.from('{"v":1,\u0000"seq":1}'),
      ...h.parse(Buffer.from('{"v":1,\u0000"seq":1}')),
    };
    const nulId = JSON.stringify({
      v: 1,
      deviceId: "ab\u0000cd",
      seq: 1,
      observedAt: new Date(h.clock).toISOString(),
      cause: "physical",
      properties: { temperature: 20 },
    });
    const nulTopic = `proviso/v1/devices/x\u0000y/state`;
    const items: IncomingReport[] = [
      nulPayload,
      { source: "http", raw: nulId, ...h.parse(nulId) },
      { source: "mqtt", topic: nulTopic, raw: "{}", ...h.parse("{}", "x\u0000y") },
      h.report(thermostat, { temperature: 18.5 }),
    ];
    const r = await h.ingest(...items);
    expect(r).toMatchObject({ quarantined: 3, stateEvents: 1 });
    const q = (await h.t.db.select().from(quarantine).orderBy(quarantine.id)).slice(before);
    expect(q.map((x) => x.reasonCode)).toEqual(["BAD_JSON", "BAD_SHAPE", "BAD_SHAPE"]);
    // Kept as close to what came as text allows: each NUL shown as the escape \u0000.
    expect(q[0]!.raw).toBe('{"v":1,\\u0000"seq":1}');
    expect(q[0]!.reason).not.toContain("\u0000");
    expect(q[1]!.deviceRef).toBe("ab\\u0000cd");
    expect(q[2]!.topic).toBe("proviso/v1/devices/x\\u0000y/state");
  });
});
