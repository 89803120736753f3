// Internal device state → Alexa Smart Home API v3 properties.

export interface AlexaProperty {
  namespace: string;
  name: string;
  instance?: string;
  value: unknown;
  timeOfSample: string;
  uncertaintyInMilliseconds: number;
}

/** Alexa accepts UTC with `Z` and at most 3 fractional digits. */
export function alexaTime(iso: string | Date): string {
  return new Date(iso).toISOString();
}

const CELSIUS = (value: unknown) => ({ value, scale: "CELSIUS" });

/** Which Alexa interface carries each property (energy has none in v3: it is never sent). */
export const ALEXA_INTERFACE: Record<string, string> = {
  temperature: "Alexa.TemperatureSensor",
  heatingSetpoint: "Alexa.ThermostatController",
  coolingSetpoint: "Alexa.ThermostatController",
  hvacMode: "Alexa.ThermostatController",
  humidity: "Alexa.RangeController",
  occupancy: "Alexa.MotionSensor",
  lockState: "Alexa.LockController",
  contactState: "Alexa.ContactSensor",
  connectivity: "Alexa.EndpointHealth",
};

export function toAlexaProperties(state: Record<string, unknown>, timeOfSample: string, uncertaintyInMilliseconds = 0): AlexaProperty[] {
  const t = alexaTime(timeOfSample);
  const p = (namespace: string, name: string, value: unknown, instance?: string): AlexaProperty => ({
    namespace,
    name,
    ...(instance ? { instance } : {}),
    value,
    timeOfSample: t,
    uncertaintyInMilliseconds,
  });
  const out: AlexaProperty[] = [];
  if (typeof state.temperature === "number") out.push(p("Alexa.TemperatureSensor", "temperature", CELSIUS(state.temperature)));
  const heat = state.heatingSetpoint;
  const cool = state.coolingSetpoint;
  if (typeof heat === "number" && typeof cool === "number") {
    out.push(p("Alexa.ThermostatController", "lowerSetpoint", CELSIUS(heat)));
    out.push(p("Alexa.ThermostatController", "upperSetpoint", CELSIUS(cool)));
  } else if (typeof heat === "number" || typeof cool === "number") {
    out.push(p("Alexa.ThermostatController", "targetSetpoint", CELSIUS(heat ?? cool)));
  }
  if (typeof state.hvacMode === "string") out.push(p("Alexa.ThermostatController", "thermostatMode", state.hvacMode.toUpperCase()));
  if (typeof state.humidity === "number") out.push(p("Alexa.RangeController", "rangeValue", state.humidity, "Sensor.Humidity"));
  if (typeof state.occupancy === "boolean") out.push(p("Alexa.MotionSensor", "detectionState", state.occupancy ? "DETECTED" : "NOT_DETECTED"));
  if (typeof state.lockState === "string") out.push(p("Alexa.LockController", "lockState", state.lockState.toUpperCase()));
  if (typeof state.contactState === "string") {
    out.push(p("Alexa.ContactSensor", "detectionState", state.contactState === "open" ? "DETECTED" : "NOT_DETECTED"));
  }
  if (typeof state.connectivity === "string") {
    out.push(p("Alexa.EndpointHealth", "connectivity", { value: state.connectivity === "unreachable" ? "UNREACHABLE" : "OK" }));
  }
  return out;
}
