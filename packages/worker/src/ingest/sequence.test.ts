// A device's sequence: no report can freeze a device by claiming a seq (or a boot) no genuine
// report will pass, and a device that loses its counter comes back by its boot, with no operator.
import { SEQ_BOUNDS } from "@proviso/domain";
import { describe, expect, it } from "vitest";
import { lockDevice, thermostat, useHarness } from "../testing/harness";

const h = useHarness();
const shadowOf = async (deviceId: string) =>
  (await h.t.pool.query("select properties from device_shadow where device_id = $1", [deviceId])).rows[0].properties as Record<
    string,
    { seq: number; boot?: number; value: unknown }
  >;
const lastQuarantined = async (deviceId: string) =>
  (await h.t.pool.query("select reason_code, reason from quarantine where device_ref = $1 order by id desc limit 1", [deviceId])).rows[0];

describe("a device's sequence", () => {
  it("quarantines a report whose seq leaps past what the device could have sent, and keeps taking the genuine ones", async () => {
    const start = h.seq;
    await h.ingest(h.report(lockDevice, { lockState: "locked" }, { seq: start + 1 }));
    // The freeze: a report claiming a seq far beyond any genuine one.
    const forged = h.report(lockDevice, { lockState: "unlocked" }, { seq: 9_007_199_254_740_000 });
    const r = await h.ingest(forged);
    expect(r).toMatchObject({ accepted: 0, quarantined: 1 });
    expect(forged.rejection).toMatchObject({ code: "SEQ_OUT_OF_BOUNDS" });
    expect(await lastQuarantined(lockDevice)).toMatchObject({
      reason_code: "SEQ_OUT_OF_BOUNDS",
      reason: expect.stringMatching(/leaps past the device's last/),
    });
    expect((await shadowOf(lockDevice)).lockState).toMatchObject({ value: "locked", seq: start + 1 });
    // The device goes on as before, and is heard.
    await h.ingest(h.report(lockDevice, { lockState: "unlocked" }, { seq: start + 2 }));
    expect((await shadowOf(lockDevice)).lockState).toMatchObject({ value: "unlocked", seq: start + 2 });
  });

  it("allows a larger step the longer the device was silent, and no more", async () => {
    const { seq } = (await shadowOf(lockDevice)).lockState!;
    // Each report in these tests comes 61 s after the last: the slack plus 61 s of reports at the most.
    const allowed = SEQ_BOUNDS.seqSlack + SEQ_BOUNDS.seqPerSecond * 61;
    const over = h.report(lockDevice, { lockState: "locked" }, { seq: seq + allowed + 10 });
    expect((await h.ingest(over)).quarantined).toBe(1);
    await h.ingest(h.report(lockDevice, { lockState: "locked" }, { seq: seq + allowed }));
    expect((await shadowOf(lockDevice)).lockState).toMatchObject({ value: "locked", seq: seq + allowed });
  });

  it("takes a device back after it loses its counter: a higher boot counts seq again from low", async () => {
    await h.ingest(h.report(thermostat, { temperature: 20 }, { seq: 50_000 }));
    // A factory reset: boot 1, seq from 1. Accepted, though its seq is far below the last.
    await h.ingest(h.report(thermostat, { temperature: 20.5 }, { boot: 1, seq: 1 }));
    expect((await shadowOf(thermostat)).temperature).toMatchObject({ value: 20.5, seq: 1, boot: 1 });
    // A report from before the reset, arriving late: the older boot is stale, whatever its seq.
    const late = await h.ingest(h.report(thermostat, { temperature: 19 }, { boot: 0, seq: 50_001 }));
    expect(late.stale).toBe(1);
    await h.ingest(h.report(thermostat, { temperature: 21 }, { boot: 1, seq: 2 }));
    expect((await shadowOf(thermostat)).temperature).toMatchObject({ value: 21, boot: 1 });
  });

  it("quarantines a boot that leaps past what restarts since could make (the same freeze by boot)", async () => {
    const forged = h.report(thermostat, { temperature: 30 }, { boot: 2_000_000_000, seq: 1 });
    expect((await h.ingest(forged)).quarantined).toBe(1);
    expect(forged.rejection?.code).toBe("SEQ_OUT_OF_BOUNDS");
    await h.ingest(h.report(thermostat, { temperature: 21.5 }, { boot: 1, seq: 3 }));
    expect((await shadowOf(thermostat)).temperature).toMatchObject({ value: 21.5, boot: 1, seq: 3 });
  });
});
