// Believable devices: temperatures drift towards the setpoint, setpoints change on schedules and
// from the app, doors lock and unlock, people come and go. Deterministic for a given random source.
import type { ReportCause } from "@proviso/domain";

export type Kind = "thermostat" | "sensor" | "lock";

export interface SimDevice {
  id: string;
  kind: Kind;
  seq: number;
  state: Record<string, number | string | boolean>;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

export function initialState(kind: Kind, random: () => number): SimDevice["state"] {
  if (kind === "thermostat") {
    const setpoint = 19 + Math.round(random() * 4);
    return { temperature: round1(setpoint - 1 + random() * 2), heatingSetpoint: setpoint, hvacMode: "heat", humidity: Math.round(35 + random() * 20) };
  }
  if (kind === "sensor") {
    return { temperature: round1(18 + random() * 5), humidity: Math.round(35 + random() * 25), occupancy: random() < 0.5, contactState: "closed" };
  }
  return { lockState: "locked", contactState: "closed" };
}

/** One step of a device's life: what changed, and why. */
export function step(d: SimDevice, random: () => number): { cause: ReportCause; properties: SimDevice["state"] } {
  const s = d.state;
  const changed: SimDevice["state"] = {};
  let cause: ReportCause = "periodic";
  if (d.kind === "thermostat") {
    const r = random();
    if (r < 0.08) {
      s.heatingSetpoint = clamp(Number(s.heatingSetpoint) + (random() < 0.5 ? -1 : 1), 16, 24);
      changed.heatingSetpoint = s.heatingSetpoint;
      cause = random() < 0.5 ? "schedule" : random() < 0.5 ? "app" : "voice";
    } else if (r < 0.1) {
      s.hvacMode = s.hvacMode === "heat" ? "eco" : "heat";
      changed.hvacMode = s.hvacMode;
      cause = "app";
    }
    const target = Number(s.heatingSetpoint) - (s.hvacMode === "eco" ? 2 : 0);
    const t = round1(Number(s.temperature) + (target - Number(s.temperature)) * 0.2 + (random() - 0.5) * 0.4);
    if (t !== s.temperature) changed.temperature = s.temperature = t;
    if (random() < 0.2) changed.humidity = s.humidity = clamp(Number(s.humidity) + (random() < 0.5 ? -1 : 1), 20, 80);
  } else if (d.kind === "sensor") {
    const t = round1(Number(s.temperature) + (random() - 0.5) * 0.3);
    if (t !== s.temperature) changed.temperature = s.temperature = t;
    if (random() < 0.25) {
      changed.occupancy = s.occupancy = !s.occupancy;
      cause = "physical";
    }
    if (random() < 0.1) {
      changed.contactState = s.contactState = s.contactState === "open" ? "closed" : "open";
      cause = "physical";
    }
    if (random() < 0.2) changed.humidity = s.humidity = clamp(Number(s.humidity) + (random() < 0.5 ? -1 : 1), 20, 80);
  } else {
    // A door: unlocked, opened, closed, locked again.
    if (s.lockState === "locked") {
      changed.lockState = s.lockState = "unlocked";
      cause = random() < 0.6 ? "physical" : random() < 0.5 ? "app" : "voice";
    } else if (s.contactState === "closed" && random() < 0.6) {
      changed.contactState = s.contactState = "open";
      cause = "physical";
    } else if (s.contactState === "open") {
      changed.contactState = s.contactState = "closed";
      cause = "physical";
    } else {
      changed.lockState = s.lockState = "locked";
      cause = random() < 0.7 ? "physical" : "schedule";
    }
  }
  if (Object.keys(changed).length === 0) changed.temperature = s.temperature ?? 20;
  return { cause, properties: changed };
}
