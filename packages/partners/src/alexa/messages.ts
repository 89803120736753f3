// Alexa Smart Home API v3 messages, as Amazon's schema defines them.
import { categoryOfProperty, type ReportCause } from "@proviso/domain";
import type { DeviceDescription, StateChange } from "../types";
import { ALEXA_INTERFACE, alexaTime, toAlexaProperties } from "./properties";

export const ALEXA_CAUSE: Record<ReportCause, string> = {
  physical: "PHYSICAL_INTERACTION",
  app: "APP_INTERACTION",
  voice: "VOICE_INTERACTION",
  schedule: "RULE_TRIGGER",
  periodic: "PERIODIC_POLL",
};

/** Alexa's message ids allow letters, digits and dashes only. */
const header = (namespace: string, name: string, messageId: string, correlationToken?: string) => ({
  namespace,
  name,
  payloadVersion: "3",
  messageId: messageId.replace(/[^a-zA-Z0-9-]/g, "-").slice(0, 127),
  ...(correlationToken ? { correlationToken } : {}),
});

const endpoint = (token: string, endpointId: string) => ({ scope: { type: "BearerToken", token }, endpointId });

/** `Alexa.ChangeReport`: what changed (in the payload) and the rest of the allowed state (in context). */
export function changeReport(change: StateChange, token: string) {
  const changed = toAlexaProperties(change.changed, change.observedAt);
  const context = toAlexaProperties(Object.fromEntries(Object.entries(change.current).filter(([k]) => !(k in change.changed))), change.observedAt);
  return {
    ...(context.length ? { context: { properties: context } } : {}),
    event: {
      header: header("Alexa", "ChangeReport", change.messageId),
      endpoint: endpoint(token, change.deviceId),
      payload: { change: { cause: { type: ALEXA_CAUSE[change.cause] }, properties: changed } },
    },
  };
}

/** `Alexa.StateReport`: the answer to a ReportState directive, with only what may be told. */
export function stateReport(opts: {
  messageId: string;
  correlationToken: string;
  token: string;
  deviceId: string;
  state: Record<string, unknown>;
  observedAt: string;
}) {
  return {
    context: { properties: toAlexaProperties(opts.state, opts.observedAt) },
    event: {
      header: header("Alexa", "StateReport", opts.messageId, opts.correlationToken),
      endpoint: endpoint(opts.token, opts.deviceId),
      payload: {},
    },
  };
}

const DISPLAY: Record<DeviceDescription["kind"], string[]> = {
  thermostat: ["THERMOSTAT", "TEMPERATURE_SENSOR"],
  sensor: ["TEMPERATURE_SENSOR", "MOTION_SENSOR", "CONTACT_SENSOR"],
  lock: ["SMARTLOCK"],
};

/** The Alexa property each device property is reported as, for `supported`. */
const ALEXA_NAME: Record<string, string> = {
  temperature: "temperature",
  heatingSetpoint: "targetSetpoint",
  coolingSetpoint: "targetSetpoint",
  hvacMode: "thermostatMode",
  humidity: "rangeValue",
  occupancy: "detectionState",
  lockState: "lockState",
  contactState: "detectionState",
  connectivity: "connectivity",
};

/** The properties each category covers that Alexa has an interface for. */
const PROPERTIES_BY_CATEGORY: Record<string, string[]> = {};
for (const property of Object.keys(ALEXA_INTERFACE)) {
  const category = categoryOfProperty(property);
  if (category) (PROPERTIES_BY_CATEGORY[category] ??= []).push(property);
}

/**
 * An endpoint's capabilities. `retrievable` and `proactivelyReported` follow what is actually
 * allowed for this home; an interface nothing may be told about is not declared at all, and an
 * interface lists as `supported` only the properties that may be told (a thermostat whose mode
 * may be told but not its setpoint declares `thermostatMode` alone).
 */
export function alexaEndpoint(d: DeviceDescription) {
  const interfaces = new Map<string, { names: Set<string>; retrievable: boolean; proactivelyReported: boolean }>();
  for (const category of d.categories) {
    const modes = d.allowedModes[category] ?? [];
    if (modes.length === 0) continue;
    for (const property of PROPERTIES_BY_CATEGORY[category] ?? []) {
      const iface = ALEXA_INTERFACE[property]!;
      let declared = interfaces.get(iface);
      if (!declared) interfaces.set(iface, (declared = { names: new Set(), retrievable: false, proactivelyReported: false }));
      declared.names.add(ALEXA_NAME[property]!);
      declared.retrievable ||= modes.includes("on_request");
      declared.proactivelyReported ||= modes.includes("proactive");
    }
  }
  const capabilities: Record<string, unknown>[] = [{ type: "AlexaInterface", interface: "Alexa", version: "3" }];
  for (const [iface, { names, ...flags }] of interfaces) {
    const capability: Record<string, unknown> = {
      type: "AlexaInterface",
      interface: iface,
      version: "3",
      properties: { supported: [...names].map((name) => ({ name })), ...flags },
    };
    if (iface === "Alexa.RangeController") {
      capability.instance = "Sensor.Humidity";
      capability.capabilityResources = { friendlyNames: [{ "@type": "text", value: { text: "Humidity", locale: "en-US" } }] };
      capability.configuration = { supportedRange: { minimumValue: 0, maximumValue: 100, precision: 1 }, unitOfMeasure: "Alexa.Unit.Percent" };
    }
    capabilities.push(capability);
  }
  return {
    endpointId: d.deviceId,
    manufacturerName: "Proviso",
    friendlyName: d.name,
    description: `${d.modelName} (${d.room})`,
    displayCategories: DISPLAY[d.kind],
    capabilities,
  };
}

export function discoveryResponse(messageId: string, devices: DeviceDescription[]) {
  return {
    event: {
      header: header("Alexa.Discovery", "Discover.Response", messageId),
      payload: { endpoints: devices.map(alexaEndpoint) },
    },
  };
}

/** Proactive discovery events, 300 endpoints each at most (Amazon's limit), ids `${messageId}-0`, `-1`, … */
function discoveryEvents<T>(name: "AddOrUpdateReport" | "DeleteReport", messageId: string, token: string, endpoints: T[]) {
  const reports = [];
  for (let i = 0; i < endpoints.length; i += 300) {
    reports.push({
      event: {
        header: header("Alexa.Discovery", name, `${messageId}-${i / 300}`),
        payload: { endpoints: endpoints.slice(i, i + 300), scope: { type: "BearerToken", token } },
      },
    });
  }
  return reports;
}

/** Proactive discovery update: endpoints new or changed. */
export function addOrUpdateReports(messageId: string, token: string, devices: DeviceDescription[]) {
  return discoveryEvents("AddOrUpdateReport", messageId, token, devices.map(alexaEndpoint));
}

/**
 * Proactive removal: endpoints Alexa must forget (a model withdrawn from discovery, a device gone).
 * Amazon documents it beside AddOrUpdateReport; its published schema predates it (see conformance).
 */
export function deleteReports(messageId: string, token: string, endpointIds: string[]) {
  return discoveryEvents(
    "DeleteReport",
    messageId,
    token,
    endpointIds.map((endpointId) => ({ endpointId })),
  );
}

/** The answer to `Alexa.Authorization.AcceptGrant` (tokens are exchanged and stored by the caller). */
export function acceptGrantResponse(messageId: string, ok: true | { message: string }) {
  if (ok === true) {
    return { event: { header: header("Alexa.Authorization", "AcceptGrant.Response", messageId), payload: {} } };
  }
  return {
    event: {
      header: header("Alexa.Authorization", "ErrorResponse", messageId),
      payload: { type: "ACCEPT_GRANT_FAILED", message: ok.message },
    },
  };
}

export { alexaTime };

/** `Alexa.ErrorResponse`: a directive refused, in Amazon's shape (type, message, the correlation token echoed). */
export function errorResponse(messageId: string, type: string, message: string, correlationToken?: string) {
  return { event: { header: header("Alexa", "ErrorResponse", messageId, correlationToken), payload: { type, message } } };
}
