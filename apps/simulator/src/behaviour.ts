// Believable households. Each home has people who come and go through its front door (the lock is
// unlocked, the door opened and closed, the lock locked again; once in a few hundred turns it
// jams); its room sensors see motion while someone is in and windows opened and shut; its
// thermostats drop to eco when the last person leaves and heat again when someone is back, take
// setpoint changes from schedules, the app and voice, move the room towards their target and count
// the day's heating energy. Now and then a device drops off the network, says nothing (no reports,
// no heartbeats) for one to ten minutes, and comes back with its whole state, as a device does
// when it reconnects.
//
// Pure: time and chance come in as arguments, so a run is repeatable and the tests can run hours
// of a fleet in milliseconds. main.ts only carries what this produces to the worker.
import { STATE_REPORT_VERSION, type ReportCause, type DeviceKind } from "@proviso/domain";

export type Kind = DeviceKind;
export type State = Record<string, number | string | boolean>;

export interface SimHome {
  id: string;
  occupants: number;
  /** How many of them are in. */
  present: number;
  /** Who is at the door between unlocking and opening it: someone leaving or someone arriving. */
  trip: "leave" | "arrive" | null;
  /** The temperature its people like, °C. */
  comfort: number;
  /** The air in the home, as its thermostats last measured it. */
  indoor: number;
  hasLock: boolean;
  devices: SimDevice[];
}

export interface SimDevice {
  id: string;
  kind: Kind;
  home: SimHome;
  /** This run's boot of the device, and its sequence number within it. */
  boot: number;
  seq: number;
  state: State;
  /** A sensor's room is a little warmer or cooler than the thermostat's. */
  bias: number;
  /** The day (UTC) the thermostat's energy count is for. */
  energyDay: string;
  /** Offline until this time (ms); null while online. */
  offlineUntil: number | null;
}

export interface Report {
  v: typeof STATE_REPORT_VERSION;
  deviceId: string;
  seq: number;
  boot: number;
  observedAt: string;
  cause: ReportCause;
  properties: State;
}

export interface SimulationOptions {
  /** State changes per second across the fleet. */
  rate: number;
  /** Seconds between a device's heartbeats. */
  heartbeatSeconds: number;
  /** How often, per device and day, a device drops off the network (0: never). */
  outagesPerDay: number;
  random: () => number;
  /**
   * Each device's boot for this run (a restart of the simulator is a restart of its devices): one
   * past the last the worker holds, so their counters start again at 1 and are heard. Absent: 1.
   */
  boots: ReadonlyMap<string, number>;
}

export interface Tick {
  reports: Report[];
  /** Devices that say they are alive. */
  heartbeats: string[];
  wentOffline: number;
  cameBack: number;
}

/** Outages last this long (ms), uniformly: some shorter than the worker's unreachable threshold, most longer. */
export const OUTAGE_MS = { min: 60_000, max: 600_000 } as const;
/** A tick longer than this (the process was paused) is taken as this long: no burst of catching up. */
const MAX_TICK_S = 5;

const round1 = (x: number) => Math.round(x * 10) / 10;
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export class Simulation {
  readonly homes: SimHome[] = [];
  readonly devices: SimDevice[] = [];
  private readonly offline = new Set<SimDevice>();
  private owedChanges = 0;
  private owedBeats = 0;
  private owedOutages = 0;
  private nextBeat = 0;
  private last: number;

  constructor(
    rows: readonly { id: string; homeId: string; kind: Kind }[],
    private readonly o: SimulationOptions,
    now: number,
  ) {
    this.last = now;
    const r = o.random;
    const byHome = new Map<string, SimHome>();
    for (const row of rows) {
      let home = byHome.get(row.homeId);
      if (!home) {
        const occupants = 1 + Math.floor(r() * 4);
        const comfort = 19 + Math.floor(r() * 4);
        home = {
          id: row.homeId,
          occupants,
          present: Math.floor(r() * (occupants + 1)),
          trip: null,
          comfort,
          indoor: comfort - 1 + r() * 2,
          hasLock: false,
          devices: [],
        };
        byHome.set(row.homeId, home);
        this.homes.push(home);
      }
      const device: SimDevice = {
        id: row.id,
        kind: row.kind,
        home,
        boot: o.boots.get(row.id) ?? 1,
        seq: 0,
        state: {},
        bias: round1((r() - 0.5) * 2),
        energyDay: dayOf(now),
        offlineUntil: null,
      };
      device.state = initialState(device, r);
      if (row.kind === "lock") home.hasLock = true;
      home.devices.push(device);
      this.devices.push(device);
    }
  }

  get offlineCount(): number {
    return this.offline.size;
  }

  /** Every device's whole state, as each sends it when it connects. */
  hello(now: number): Report[] {
    return this.devices.filter((d) => d.offlineUntil === null).map((d) => this.report(d, now, "periodic", { ...d.state }));
  }

  /** What the fleet says between the last tick and `now`. */
  tick(now: number): Tick {
    const dt = clamp((now - this.last) / 1000, 0, MAX_TICK_S);
    this.last = now;
    const r = this.o.random;
    const out: Tick = { reports: [], heartbeats: [], wentOffline: 0, cameBack: 0 };
    const n = this.devices.length;
    if (n === 0) return out;

    // Back from an outage: the whole state, and a heartbeat.
    for (const d of this.offline) {
      if (now < d.offlineUntil!) continue;
      d.offlineUntil = null;
      this.offline.delete(d);
      out.cameBack++;
      out.reports.push(this.report(d, now, "periodic", { ...d.state }));
      out.heartbeats.push(d.id);
    }
    // Dropping off.
    this.owedOutages += (n * this.o.outagesPerDay * dt) / 86_400;
    for (; this.owedOutages >= 1; this.owedOutages--) {
      const d = this.devices[Math.floor(r() * n)]!;
      if (d.offlineUntil !== null) continue;
      d.offlineUntil = now + OUTAGE_MS.min + r() * (OUTAGE_MS.max - OUTAGE_MS.min);
      this.offline.add(d);
      out.wentOffline++;
    }
    // Changes, at the chosen rate, from devices that are online.
    this.owedChanges += this.o.rate * dt;
    for (; this.owedChanges >= 1; this.owedChanges--) {
      let d = this.devices[Math.floor(r() * n)]!;
      for (let tries = 0; d.offlineUntil !== null && tries < 10; tries++) d = this.devices[Math.floor(r() * n)]!;
      if (d.offlineUntil !== null) continue;
      const { cause, properties } = step(d, now, r);
      out.reports.push(this.report(d, now, cause, properties));
    }
    // Heartbeats, each online device every heartbeatSeconds.
    this.owedBeats += (n * dt) / this.o.heartbeatSeconds;
    for (; this.owedBeats >= 1; this.owedBeats--) {
      const d = this.devices[this.nextBeat++ % n]!;
      if (d.offlineUntil === null) out.heartbeats.push(d.id);
    }
    return out;
  }

  private report(d: SimDevice, now: number, cause: ReportCause, properties: State): Report {
    return { v: STATE_REPORT_VERSION, deviceId: d.id, seq: ++d.seq, boot: d.boot, observedAt: new Date(now).toISOString(), cause, properties };
  }
}

function initialState(d: SimDevice, r: () => number): State {
  const h = d.home;
  if (d.kind === "thermostat") {
    return {
      temperature: round1(h.indoor),
      heatingSetpoint: h.comfort,
      hvacMode: h.present > 0 ? "heat" : "eco",
      humidity: Math.round(35 + r() * 20),
      energyWh: 0,
    };
  }
  if (d.kind === "sensor") {
    return { temperature: round1(h.indoor + d.bias), humidity: Math.round(35 + r() * 25), occupancy: h.present > 0 && r() < 0.6, contactState: "closed" };
  }
  return { lockState: "locked", contactState: "closed" };
}

/** One change in a device's life: what changed, and why. Always at least one property. */
export function step(d: SimDevice, now: number, r: () => number): { cause: ReportCause; properties: State } {
  const s = d.state;
  const h = d.home;
  const changed: State = {};
  let cause: ReportCause = "periodic";
  const set = (name: string, value: number | string | boolean) => {
    if (s[name] !== value) changed[name] = s[name] = value;
  };

  if (d.kind === "lock") {
    // The front door: unlocked, opened (someone goes out or comes in), closed, locked again.
    if (s.lockState === "jammed") {
      // Freed by hand, either way.
      set("lockState", r() < 0.5 ? "locked" : "unlocked");
      cause = "physical";
    } else if (s.lockState === "locked") {
      if (r() < 0.002) set("lockState", "jammed");
      else {
        h.trip = h.present === 0 ? "arrive" : h.present === h.occupants ? "leave" : r() < 0.5 ? "arrive" : "leave";
        set("lockState", "unlocked");
      }
      cause = h.trip === "arrive" ? (r() < 0.6 ? "physical" : r() < 0.75 ? "app" : "voice") : "physical";
    } else if (s.contactState === "closed" && h.trip) {
      set("contactState", "open");
      h.present = clamp(h.present + (h.trip === "arrive" ? 1 : -1), 0, h.occupants);
      h.trip = null;
      cause = "physical";
    } else if (s.contactState === "open") {
      set("contactState", "closed");
      cause = "physical";
    } else {
      // By hand, or the auto-lock's schedule.
      set("lockState", "locked");
      cause = r() < 0.7 ? "physical" : "schedule";
    }
  } else if (d.kind === "sensor") {
    // A home without a smart lock: people still come and go.
    if (!h.hasLock && r() < 0.05) h.present = clamp(h.present + (r() < 0.5 ? -1 : 1), 0, h.occupants);
    const someoneIn = h.present > 0;
    if (s.occupancy ? !someoneIn || r() < 0.3 : someoneIn && r() < 0.4) {
      set("occupancy", !s.occupancy);
      cause = "physical";
    }
    // A window: opened now and then while someone is in, shut again soon after.
    if (s.contactState === "open" ? r() < 0.3 : someoneIn && r() < 0.04) {
      set("contactState", s.contactState === "open" ? "closed" : "open");
      cause = "physical";
    }
    const target = h.indoor + d.bias - (s.contactState === "open" ? 1.5 : 0);
    set("temperature", round1(clamp(Number(s.temperature) + (target - Number(s.temperature)) * 0.3 + (r() - 0.5) * 0.2, -40, 85)));
    if (r() < 0.2) set("humidity", clamp(Number(s.humidity) + (r() < 0.5 ? -1 : 1), 20, 80));
  } else {
    // Away mode when the last person leaves (the app's geofence), heat when someone is back.
    if (h.present === 0 && s.hvacMode === "heat") {
      set("hvacMode", "eco");
      cause = "app";
    } else if (h.present > 0 && s.hvacMode === "eco") {
      set("hvacMode", "heat");
      cause = "app";
    } else if (r() < 0.06) {
      const by = r();
      set("heatingSetpoint", clamp(Number(s.heatingSetpoint) + (r() < 0.5 ? -1 : 1), 16, 25));
      cause = by < 0.5 ? "schedule" : by < 0.8 ? "app" : "voice";
    }
    const target = Number(s.heatingSetpoint) - (s.hvacMode === "eco" ? 3 : 0);
    const temperature = Number(s.temperature);
    const heating = temperature < target - 0.2;
    // Heating pulls the room up towards the target; without it the room cools slowly.
    const next = heating ? temperature + (target - temperature) * 0.25 : temperature - 0.1 + (target - temperature) * 0.05;
    set("temperature", round1(clamp(next + (r() - 0.5) * 0.2, -40, 85)));
    h.indoor = Number(s.temperature);
    const today = dayOf(now);
    if (today !== d.energyDay) {
      d.energyDay = today;
      set("energyWh", 0);
    }
    if (heating) set("energyWh", Math.min(1_000_000, Number(s.energyWh) + Math.round(40 + r() * 80)));
    if (r() < 0.2) set("humidity", clamp(Number(s.humidity) + (r() < 0.5 ? -1 : 1), 20, 80));
  }
  // Something always changes (a lock's every step does): the temperature a thermostat or sensor
  // measures moves by a tenth if nothing else did.
  if (Object.keys(changed).length === 0) set("temperature", round1(Number(s.temperature) + (r() < 0.5 ? -0.1 : 0.1)));
  return { cause, properties: changed };
}
