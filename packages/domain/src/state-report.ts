// The device state report, version 1: one documented payload for MQTT
// (`proviso/v1/devices/{deviceId}/state`, QoS 1) and `POST /v1/state-reports` (a batch).
//
//   { "v": 1, "deviceId": "<uuid>", "seq": 42, "observedAt": "2026-11-24T12:00:00.000Z",
//     "cause": "physical", "properties": { "temperature": 21.4, "heatingSetpoint": 20 } }
//
// `seq` increases per device; a report whose seq is not above a property's last one changes nothing.
import { z } from "zod";
import { REPORT_CAUSES } from "./ledger";

export const STATE_REPORT_VERSION = 1;
/** Reports larger than this are rejected before parsing. */
export const MAX_REPORT_BYTES = 4_096;
/** Clocks drift; a report from further in the future than this is refused. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;

export const HVAC_MODES = ["heat", "cool", "auto", "eco", "off"] as const;
export const LOCK_STATES = ["locked", "unlocked", "jammed"] as const;
export const CONTACT_STATES = ["open", "closed"] as const;

/** Every property a device may report, with its type and range. */
export const reportedPropertiesSchema = z
  .object({
    temperature: z.number().min(-40).max(85),
    heatingSetpoint: z.number().min(5).max(35),
    coolingSetpoint: z.number().min(5).max(35),
    hvacMode: z.enum(HVAC_MODES),
    humidity: z.number().min(0).max(100),
    occupancy: z.boolean(),
    lockState: z.enum(LOCK_STATES),
    contactState: z.enum(CONTACT_STATES),
    energyWh: z.number().min(0).max(1_000_000),
  })
  .partial()
  .strict()
  .refine((p) => Object.keys(p).length > 0, { message: "A report needs at least one property" });

export type ReportedProperties = z.infer<typeof reportedPropertiesSchema>;
export type PropertyName = keyof ReportedProperties;

export const stateReportSchema = z
  .object({
    v: z.literal(STATE_REPORT_VERSION),
    deviceId: z.uuid(),
    seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    observedAt: z.iso.datetime({ offset: true }),
    cause: z.enum(REPORT_CAUSES),
    properties: reportedPropertiesSchema,
  })
  .strict();

export type StateReport = z.infer<typeof stateReportSchema>;
