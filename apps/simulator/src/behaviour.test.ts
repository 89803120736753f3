// The simulated fleet, run for hours of simulated time in milliseconds: every report is one the
// worker accepts, the chosen rate holds, households behave as households do, and devices that drop
// off say nothing until they come back with their whole state.
import { stateReportSchema } from "@proviso/domain";
import { createRng } from "@proviso/seed";
import { describe, expect, it } from "vitest";
import { OUTAGE_MS, Simulation, step, type Kind, type Report, type SimulationOptions } from "./behaviour";

/** A repeatable random source (the seed package's, which builds the demo data). */
const seeded = (seed: number): (() => number) => createRng(`simulator-${seed}`).next;

const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
/** Homes of a thermostat, a sensor and a lock (as the demo's), and some with no lock. */
function fleet(homes: number): { id: string; homeId: string; kind: Kind }[] {
  const rows: { id: string; homeId: string; kind: Kind }[] = [];
  let n = 0;
  for (let h = 0; h < homes; h++) {
    const kinds: Kind[] = h % 5 === 4 ? ["thermostat", "sensor", "sensor"] : ["thermostat", "sensor", "lock"];
    for (const kind of kinds) rows.push({ id: uuid(++n), homeId: uuid(1_000_000 + h), kind });
  }
  return rows;
}

const START = Date.parse("2026-11-30T20:00:00Z");
const options = (o: Partial<SimulationOptions> = {}): SimulationOptions => ({
  rate: 20,
  heartbeatSeconds: 30,
  outagesPerDay: 0,
  random: seeded(7),
  boots: new Map(),
  ...o,
});

/** Runs the simulation in 100 ms ticks for `seconds`, collecting what it says. */
function run(sim: Simulation, seconds: number, from = START) {
  const reports: Report[] = [];
  const beats: { at: number; id: string }[] = [];
  for (let t = from + 100; t <= from + seconds * 1000; t += 100) {
    const tick = sim.tick(t);
    reports.push(...tick.reports);
    for (const id of tick.heartbeats) beats.push({ at: t, id });
  }
  return { reports, beats };
}

describe("the simulated fleet", () => {
  it("says only what the worker accepts, each device's sequence numbers growing", () => {
    const sim = new Simulation(fleet(100), options({ rate: 50, outagesPerDay: 20 }), START);
    const hello = sim.hello(START);
    expect(hello).toHaveLength(300);
    const { reports } = run(sim, 1800);
    const all = [...hello, ...reports];
    expect(reports.length).toBeGreaterThan(85_000);
    const lastSeq = new Map<string, number>();
    for (const r of all) {
      const parsed = stateReportSchema.safeParse(r);
      if (!parsed.success) throw new Error(`${JSON.stringify(r)}: ${parsed.error.message}`);
      expect(r.seq).toBeGreaterThan(lastSeq.get(r.deviceId) ?? 0);
      lastSeq.set(r.deviceId, r.seq);
    }
  });

  it("sends the chosen rate of changes and a heartbeat per device per interval", () => {
    const sim = new Simulation(fleet(50), options({ rate: 20, heartbeatSeconds: 30 }), START);
    const { reports, beats } = run(sim, 600);
    expect(reports.length).toBeGreaterThanOrEqual(20 * 600 - 1);
    expect(reports.length).toBeLessThanOrEqual(20 * 600);
    const perDevice = new Map<string, number>();
    for (const b of beats) perDevice.set(b.id, (perDevice.get(b.id) ?? 0) + 1);
    expect(perDevice.size).toBe(150);
    for (const n of perDevice.values()) expect([19, 20]).toContain(n);
  });

  it("is the same run for the same random source", () => {
    const a = run(new Simulation(fleet(10), options({ random: seeded(3) }), START), 120).reports;
    const b = run(new Simulation(fleet(10), options({ random: seeded(3) }), START), 120).reports;
    const c = run(new Simulation(fleet(10), options({ random: seeded(4) }), START), 120).reports;
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it("opens the front door only unlocked, and locks it again once it is shut", () => {
    const sim = new Simulation(fleet(20), options({ rate: 100 }), START);
    const locks = new Map(
      sim.devices.filter((d) => d.kind === "lock").map((d) => [d.id, { lockState: "locked", contactState: "closed" } as Record<string, unknown>]),
    );
    let jams = 0;
    let unlocks = 0;
    for (const r of run(sim, 3600).reports) {
      const lock = locks.get(r.deviceId);
      if (!lock) continue;
      const before = { ...lock };
      Object.assign(lock, r.properties);
      if (r.properties.contactState === "open") expect(before.lockState).toBe("unlocked");
      if (r.properties.lockState === "locked") expect(lock.contactState).toBe("closed");
      if (r.properties.lockState === "jammed") jams++;
      if (r.properties.lockState === "unlocked" && before.lockState === "locked") unlocks++;
    }
    // Now and then a lock jams (about 1 in 500 turns of the key), and is freed.
    expect(unlocks).toBeGreaterThan(5_000);
    expect(jams).toBeGreaterThan(0);
    expect(jams / unlocks).toBeLessThan(0.005);
  });

  it("keeps households coherent: no motion in an empty home, eco while everyone is out, heat when someone is back", () => {
    const random = seeded(11);
    const sim = new Simulation(fleet(40), options({ random }), START);
    const seen = { eco: 0, heat: 0, leftEmpty: 0, cameHome: 0 };
    for (let i = 0, t = START; i < 80_000; i++, t += 50) {
      const d = sim.devices[Math.floor(random() * sim.devices.length)]!;
      const wasPresent = d.home.present;
      const { properties } = step(d, t, random);
      const h = d.home;
      if (properties.occupancy === true) expect(h.present).toBeGreaterThan(0);
      if (d.kind === "sensor" && h.present === 0) expect(d.state.occupancy).toBe(false);
      if (properties.hvacMode === "eco") {
        expect(h.present, "eco only once everyone is out").toBe(0);
        seen.eco++;
      }
      if (properties.hvacMode === "heat") {
        expect(h.present).toBeGreaterThan(0);
        seen.heat++;
      }
      if (d.kind === "thermostat") expect(d.state.hvacMode).toBe(h.present > 0 ? "heat" : "eco");
      if (wasPresent > 0 && h.present === 0) seen.leftEmpty++;
      if (wasPresent === 0 && h.present > 0) seen.cameHome++;
      expect(h.present).toBeGreaterThanOrEqual(0);
      expect(h.present).toBeLessThanOrEqual(h.occupants);
    }
    // People do come and go, homes with no smart lock included.
    expect(seen.leftEmpty).toBeGreaterThan(100);
    expect(seen.cameHome).toBeGreaterThan(100);
    expect(seen.eco).toBeGreaterThan(100);
    expect(seen.heat).toBeGreaterThan(100);
    const lockless = sim.homes.filter((h) => !h.hasLock);
    expect(lockless.length).toBe(8);
  });

  it("keeps rooms at believable temperatures, and counts the day's heating energy from zero each day", () => {
    const sim = new Simulation(fleet(30), options({ rate: 10 }), START);
    // From 20:00 UTC across midnight.
    const { reports } = run(sim, 5 * 3600);
    const thermostats = new Set(sim.devices.filter((d) => d.kind === "thermostat").map((d) => d.id));
    let resets = 0;
    const lastEnergy = new Map<string, number>();
    for (const r of reports) {
      if (typeof r.properties.temperature === "number") {
        expect(r.properties.temperature).toBeGreaterThanOrEqual(10);
        expect(r.properties.temperature).toBeLessThanOrEqual(28);
      }
      if (thermostats.has(r.deviceId) && typeof r.properties.energyWh === "number") {
        const before = lastEnergy.get(r.deviceId) ?? 0;
        if (r.properties.energyWh < before) {
          // Only at midnight (UTC), back to what that one step heated.
          expect(r.observedAt.slice(0, 10)).toBe("2026-12-01");
          expect(r.properties.energyWh).toBeLessThanOrEqual(120);
          resets++;
        }
        lastEnergy.set(r.deviceId, r.properties.energyWh);
      }
    }
    expect(resets).toBeGreaterThan(0);
    expect(lastEnergy.size).toBe(30);
  });

  it("lets devices drop off: silent while off, back within the outage bounds with their whole state", () => {
    const sim = new Simulation(fleet(30), options({ rate: 30, heartbeatSeconds: 10, outagesPerDay: 48 }), START);
    const lastHeard = new Map<string, number>();
    const gaps: number[] = [];
    let wentOffline = 0;
    let cameBack = 0;
    for (let t = START + 100; t <= START + 4 * 3600_000; t += 100) {
      const offlineBefore = new Set(sim.devices.filter((d) => d.offlineUntil !== null && t < d.offlineUntil).map((d) => d.id));
      const tick = sim.tick(t);
      wentOffline += tick.wentOffline;
      cameBack += tick.cameBack;
      for (const r of tick.reports) {
        if (offlineBefore.has(r.deviceId)) {
          throw new Error(`${r.deviceId} reported while offline`);
        }
      }
      for (const id of tick.heartbeats) {
        const device = sim.devices.find((d) => d.id === id)!;
        expect(device.offlineUntil).toBeNull();
        const last = lastHeard.get(id);
        if (last !== undefined && t - last > 15_000) {
          gaps.push(t - last);
          // Back: its whole state, in the same tick.
          const whole = tick.reports.find(
            (r) => r.deviceId === id && r.cause === "periodic" && Object.keys(r.properties).length === Object.keys(device.state).length,
          );
          expect(Object.keys(whole?.properties ?? {}).sort()).toEqual(Object.keys(device.state).sort());
        }
        lastHeard.set(id, t);
      }
    }
    // 90 devices × 48 a day × 4 h ≈ 720 outages, some of them on a device already off.
    expect(wentOffline).toBeGreaterThan(400);
    expect(cameBack).toBeGreaterThan(300);
    expect(gaps.length).toBeGreaterThan(300);
    for (const g of gaps) {
      expect(g).toBeGreaterThanOrEqual(OUTAGE_MS.min);
      expect(g).toBeLessThanOrEqual(OUTAGE_MS.max + 10_000 + 100);
    }
    // And the rate of changes still holds, carried by the devices online.
    expect(sim.offlineCount).toBeGreaterThan(0);
  });
});
