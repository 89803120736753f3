// The data categories the demo's models report and its agreements share, by short name. Kept out of
// catalogue.ts so that agreements.ts can use them without a circular import: the catalogue
// re-exports the agreements.
export const CATEGORY = {
  temperature: "user.device.sensor.temperature",
  setpoint: "user.device.sensor.setpoint",
  hvac: "user.device.sensor.hvac_mode",
  humidity: "user.device.sensor.humidity",
  occupancy: "user.device.sensor.occupancy",
  lock: "user.device.sensor.lock_state",
  contact: "user.device.sensor.contact_state",
  connectivity: "user.device.telemetry.connectivity",
  energy: "user.device.telemetry.energy_usage",
} as const;
