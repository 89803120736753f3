// Internal device state → SmartThings capabilities (each a capability, an attribute and a value,
// as SmartThings' capabilities reference defines them), and each device kind's device profile.
import type { DeviceKind } from "@proviso/domain";
import type { StateEntry } from "./st-schema";

/** The device profile SmartThings gives each kind (its `deviceHandlerType`). */
export const DEVICE_HANDLER: Record<DeviceKind, string> = {
  thermostat: "c2c-thermostat",
  sensor: "c2c-motion",
  lock: "c2c-lock",
};

type Mapping = { capability: string; attribute: string; unit?: string; value: (v: unknown) => unknown };

/** Which capability and attribute carries each property (SmartThings' own names and values). */
export const CAPABILITY_OF: Record<string, Mapping> = {
  temperature: { capability: "st.temperatureMeasurement", attribute: "temperature", unit: "C", value: Number },
  heatingSetpoint: { capability: "st.thermostatHeatingSetpoint", attribute: "heatingSetpoint", unit: "C", value: Number },
  coolingSetpoint: { capability: "st.thermostatCoolingSetpoint", attribute: "coolingSetpoint", unit: "C", value: Number },
  hvacMode: { capability: "st.thermostatMode", attribute: "thermostatMode", value: String },
  humidity: { capability: "st.relativeHumidityMeasurement", attribute: "humidity", unit: "%", value: Number },
  occupancy: { capability: "st.motionSensor", attribute: "motion", value: (v) => (v ? "active" : "inactive") },
  // SmartThings' lock has no jammed state: "unknown" is its word for a lock it cannot tell.
  lockState: { capability: "st.lock", attribute: "lock", value: (v) => (v === "jammed" ? "unknown" : v) },
  contactState: { capability: "st.contactSensor", attribute: "contact", value: String },
  connectivity: { capability: "st.healthCheck", attribute: "healthStatus", value: (v) => (v === "unreachable" ? "offline" : "online") },
  energyWh: { capability: "st.energyMeter", attribute: "energy", unit: "Wh", value: Number },
};

/** A device's (allowed) state as SmartThings state entries, on its main component. */
export function toStates(state: Record<string, unknown>): StateEntry[] {
  const out: StateEntry[] = [];
  for (const [property, value] of Object.entries(state)) {
    const m = CAPABILITY_OF[property];
    if (!m || value === undefined || value === null) continue;
    out.push({ component: "main", capability: m.capability, attribute: m.attribute, value: m.value(value), ...(m.unit ? { unit: m.unit } : {}) });
  }
  return out;
}
