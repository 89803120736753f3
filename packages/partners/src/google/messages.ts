// Google Home Graph: Report State (complete trait state), SYNC and QUERY responses.
import { categoryOfProperty } from "@proviso/domain";
import type { DeviceDescription, DeviceState } from "../types";

const TYPE: Record<DeviceDescription["kind"], string> = {
  thermostat: "action.devices.types.THERMOSTAT",
  sensor: "action.devices.types.SENSOR",
  lock: "action.devices.types.LOCK",
};

/** Trait per property; a property Google has no trait for (occupancy, energy) is never sent. */
const TRAIT_OF: Record<string, string> = {
  temperature: "TemperatureSetting",
  heatingSetpoint: "TemperatureSetting",
  coolingSetpoint: "TemperatureSetting",
  hvacMode: "TemperatureSetting",
  humidity: "TemperatureSetting",
  lockState: "LockUnlock",
  contactState: "OpenClose",
};

/** Sensors report ambient temperature through TemperatureControl (query-only). */
function traitFor(kind: DeviceDescription["kind"], property: string): string | undefined {
  if (kind === "sensor" && property === "temperature") return "TemperatureControl";
  if (kind === "sensor" && (property === "humidity" || property.endsWith("Setpoint") || property === "hvacMode")) return undefined;
  return TRAIT_OF[property];
}

const GOOGLE_MODE: Record<string, string> = { heat: "heat", cool: "cool", auto: "auto", eco: "eco", off: "off" };

/**
 * Google trait state for a device. Each report overwrites whole traits, so `state` must be the
 * complete allowed state of the device, not just what changed.
 */
export function googleStates(kind: DeviceDescription["kind"], state: DeviceState): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (state.connectivity !== undefined) out.online = state.connectivity !== "unreachable";
  if (kind === "sensor") {
    if (typeof state.temperature === "number") out.temperatureAmbientCelsius = state.temperature;
  } else if (kind === "thermostat") {
    Object.assign(out, temperatureSetting(state));
  }
  if (typeof state.lockState === "string") {
    out.isLocked = state.lockState === "locked";
    out.isJammed = state.lockState === "jammed";
  }
  if (typeof state.contactState === "string") out.openPercent = state.contactState === "open" ? 100 : 0;
  return out;
}

/**
 * TemperatureSetting is all or nothing: Google requires mode, ambient temperature and setpoint(s)
 * together. When any of them may not be shared, the trait is left out rather than sent incomplete.
 */
function temperatureSetting(state: DeviceState): Record<string, unknown> {
  const mode = typeof state.hvacMode === "string" ? (GOOGLE_MODE[state.hvacMode] ?? "off") : undefined;
  const ambient = typeof state.temperature === "number" ? state.temperature : undefined;
  const heat = typeof state.heatingSetpoint === "number" ? state.heatingSetpoint : undefined;
  const cool = typeof state.coolingSetpoint === "number" ? state.coolingSetpoint : undefined;
  if (mode === undefined || ambient === undefined || (heat === undefined && cool === undefined)) return {};
  const out: Record<string, unknown> = { thermostatMode: mode, thermostatTemperatureAmbient: ambient };
  if (typeof state.humidity === "number") out.thermostatHumidityAmbient = state.humidity;
  if (heat !== undefined && cool !== undefined && mode === "auto") {
    out.thermostatTemperatureSetpointLow = heat;
    out.thermostatTemperatureSetpointHigh = cool;
  } else {
    out.thermostatTemperatureSetpoint = mode === "cool" ? (cool ?? heat) : (heat ?? cool);
  }
  return out;
}

/** `POST …/v1/devices:reportStateAndNotification` body. */
export function reportStateAndNotification(opts: {
  requestId: string;
  agentUserId: string;
  devices: { deviceId: string; kind: DeviceDescription["kind"]; state: DeviceState }[];
}) {
  return {
    requestId: opts.requestId,
    agentUserId: opts.agentUserId,
    payload: {
      devices: {
        states: Object.fromEntries(opts.devices.map((d) => [d.deviceId, googleStates(d.kind, d.state)])),
      },
    },
  };
}

/**
 * `POST …/v1/devices:requestSync` body: asks Google to send SYNC again for this user, because the
 * devices or what may be reported about them changed (Google then reads `willReportState` afresh).
 */
export function requestSync(agentUserId: string) {
  return { agentUserId, async: true };
}

/** SYNC: every device, with `willReportState` true only where a trait's state may be reported as it changes. */
export function syncResponse(requestId: string, agentUserId: string, devices: DeviceDescription[]) {
  return {
    requestId,
    payload: {
      agentUserId,
      devices: devices.map((d) => {
        const traits = new Set<string>();
        let proactive = false;
        for (const category of d.categories) {
          const modes = d.allowedModes[category] ?? [];
          if (modes.length === 0) continue;
          let hasTrait = false;
          for (const [property, _trait] of Object.entries(TRAIT_OF)) {
            if (categoryOfProperty(property) !== category) continue;
            const trait = traitFor(d.kind, property);
            if (trait) {
              traits.add(trait);
              hasTrait = true;
            }
          }
          // Only a trait's state counts: connectivity (`online`) alone reported as it changes does
          // not make the device's traits reported, and Google must go on asking for them (QUERY).
          if (hasTrait && modes.includes("proactive")) proactive = true;
        }
        const attributes: Record<string, unknown> = {};
        if (traits.has("TemperatureSetting")) {
          attributes.availableThermostatModes = ["off", "heat", "cool", "auto", "eco"];
          attributes.thermostatTemperatureUnit = "C";
        }
        if (traits.has("TemperatureControl")) {
          attributes.queryOnlyTemperatureControl = true;
          attributes.temperatureUnitForUX = "C";
          attributes.temperatureRange = { minThresholdCelsius: -40, maxThresholdCelsius: 85 };
        }
        if (traits.has("OpenClose")) {
          attributes.discreteOnlyOpenClose = true;
          attributes.queryOnlyOpenClose = true;
        }
        return {
          id: d.deviceId,
          type: TYPE[d.kind],
          traits: [...traits].sort().map((t) => `action.devices.traits.${t}`),
          name: { name: d.name, defaultNames: [d.modelName] },
          willReportState: proactive,
          roomHint: d.room,
          attributes,
          deviceInfo: { manufacturer: "Proviso", model: d.modelKey },
        };
      }),
    },
  };
}

/** QUERY: only what on-request terms and consent allow (the caller passes the allowed state). */
export function queryResponse(requestId: string, devices: { deviceId: string; kind: DeviceDescription["kind"]; state: DeviceState }[]) {
  return {
    requestId,
    payload: {
      devices: Object.fromEntries(
        devices.map((d) => [d.deviceId, { status: "SUCCESS", online: d.state.connectivity !== "unreachable", ...googleStates(d.kind, d.state) }]),
      ),
    },
  };
}
