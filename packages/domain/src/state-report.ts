// The device state report, version 1: one documented payload for MQTT
// (`proviso/v1/devices/{deviceId}/state`, QoS 1) and `POST /v1/state-reports` (a batch).
//
//   { "v": 1, "deviceId": "<uuid>", "seq": 42, "observedAt": "2026-11-24T12:00:00.000Z",
//     "cause": "physical", "properties": { "temperature": 21.4, "heatingSetpoint": 20 } }
//
// `seq` increases per device within a `boot` (its boot or counter epoch, 0 when absent): a report
// whose (boot, seq) is not above a property's last one changes nothing. A device that loses its
// counter (factory reset, firmware update) sends a higher boot and counts seq again from anywhere
// low. Neither may leap: see SEQ_BOUNDS.
import { z } from "zod";
import { regexes } from "zod/v4/core";
import { REPORT_CAUSES } from "./ledger";

export const STATE_REPORT_VERSION = 1;
/** Reports larger than this are rejected before parsing. */
export const MAX_REPORT_BYTES = 4_096;
/** At most this many reports in one `POST /v1/state-reports`; a device or gateway sends more in several. */
export const MAX_REPORTS_PER_REQUEST = 1_000;
/** At most this many device ids in one `POST /v1/heartbeats`. */
export const MAX_HEARTBEATS_PER_REQUEST = 10_000;
/** Clocks drift; a report from further in the future than this is refused. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
/**
 * A report observed before this was made by a device whose clock was never set (it counts from
 * 1970, or from its firmware's build year): refused, as its time would order nothing.
 */
export const EARLIEST_OBSERVED_AT = "2000-01-01T00:00:00Z";

/**
 * How far a report may move a device's (boot, seq) past its last accepted one, so that no report —
 * forged or from a broken device — can freeze a device's properties by claiming a sequence number
 * no genuine report will ever pass. Within a boot, seq may grow by `seqSlack` plus `seqPerSecond`
 * for each second since the device's last report (a device sends at most that many reports a
 * second); boot may grow by `bootSlack` plus one for every `secondsPerBoot` since then; in a new
 * boot seq counts from 0 under the same bound. A device's first report sets where it starts.
 * Reports past the bound are quarantined (SEQ_OUT_OF_BOUNDS).
 */
export const SEQ_BOUNDS = { seqSlack: 10_000, seqPerSecond: 1_000, bootSlack: 10, secondsPerBoot: 10 } as const;
export const MAX_BOOT = 2_147_483_647;

/**
 * The `{deviceId}` of `proviso/v1/devices/{deviceId}/…`: a topic's fourth segment, as
 * `topic.split("/")[3]` gives it, without the array and strings a split makes for every message.
 */
export function deviceIdOfTopic(topic: string): string | undefined {
  let at = -1;
  for (let i = 0; i < 3; i++) {
    at = topic.indexOf("/", at + 1);
    if (at < 0) return undefined;
  }
  const end = topic.indexOf("/", at + 1);
  return end < 0 ? topic.slice(at + 1) : topic.slice(at + 1, end);
}

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
    boot: z.number().int().min(0).max(MAX_BOOT).optional(),
    observedAt: z.iso.datetime({ offset: true }),
    cause: z.enum(REPORT_CAUSES),
    properties: reportedPropertiesSchema,
  })
  .strict();

export type StateReport = z.infer<typeof stateReportSchema>;

/**
 * The state report as a JSON Schema (draft-07), for device makers and their tools; the worker
 * serves it at `GET /v1/schemas/state-report.json`. Generated from `stateReportSchema`, so the two
 * cannot drift (a test holds them together). What a schema cannot say is in its description: the
 * size limit, how far ahead `observedAt` may be, and that `seq` must grow per device.
 */
export function stateReportJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(stateReportSchema, { target: "draft-7" });
  const fields = generated.properties as Record<string, Record<string, unknown>>;
  return {
    ...generated,
    $id: "https://proviso.example/schemas/state-report/v1.json",
    title: "Proviso device state report, version 1",
    description:
      `One report, sent as an MQTT 5 message (QoS 1) on proviso/v1/devices/{deviceId}/state, or as an element of the JSON array ` +
      `POSTed to /v1/state-reports (at most ${MAX_REPORTS_PER_REQUEST} a request). Also checked: at most ${MAX_REPORT_BYTES} bytes; ` +
      `observedAt no more than ${MAX_FUTURE_SKEW_MS / 60_000} minutes ahead of the worker's clock and not before ${EARLIEST_OBSERVED_AT}; ` +
      `seq grows with each report of the device within its boot, and boot (0 when absent) with each restart that loses the counter: ` +
      `a report whose (boot, seq) is not above a property's last one changes nothing; seq may pass the device's last by at most ` +
      `${SEQ_BOUNDS.seqSlack} plus ${SEQ_BOUNDS.seqPerSecond} a second since its last report, boot by at most ${SEQ_BOUNDS.bootSlack} plus one ` +
      `every ${SEQ_BOUNDS.secondsPerBoot} s (a new boot counts seq from 0), else the report is quarantined as SEQ_OUT_OF_BOUNDS; ` +
      `the device must be one Proviso knows, and the MQTT topic's id must be the report's.`,
    properties: {
      ...fields,
      properties: { ...fields.properties, minProperties: 1, description: "At least one property; each within its range." },
    },
  };
}

/**
 * The worker's fast path: true only for a report (as JSON.parse gave it) that `stateReportSchema`
 * accepts unchanged — the same rules, checked without building a copy, with zod's own patterns for
 * the uuid and the timestamp. Anything else goes to the schema, which also says what is wrong.
 * (A property test holds the two together: this never accepts what the schema refuses.)
 */
export function isValidStateReport(data: unknown): data is StateReport {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return false;
  const r = data as Record<string, unknown>;
  let keys = 0;
  for (const k in r) {
    if (!Object.prototype.hasOwnProperty.call(r, k)) return false;
    keys++;
  }
  const { v, deviceId, seq, observedAt, cause, properties, boot } = r;
  if (keys !== (boot === undefined ? 6 : 7) || Object.getPrototypeOf(r) !== Object.prototype) return false;
  if (boot !== undefined && !(typeof boot === "number" && Number.isInteger(boot) && boot >= 0 && boot <= MAX_BOOT)) return false;
  return (
    v === STATE_REPORT_VERSION &&
    typeof deviceId === "string" &&
    UUID.test(deviceId) &&
    typeof seq === "number" &&
    Number.isSafeInteger(seq) &&
    seq >= 0 &&
    typeof observedAt === "string" &&
    DATETIME.test(observedAt) &&
    typeof cause === "string" &&
    CAUSES.has(cause) &&
    validProperties(properties)
  );
}

const UUID = regexes.uuid();
const DATETIME = regexes.datetime({ offset: true });
const CAUSES = new Set<string>(REPORT_CAUSES);
const inRange = (x: unknown, min: number, max: number) => typeof x === "number" && Number.isFinite(x) && x >= min && x <= max;
const oneOf = (values: readonly string[]) => {
  const set = new Set(values);
  return (x: unknown) => typeof x === "string" && set.has(x);
};
/** The same rules as `reportedPropertiesSchema`. */
const PROPERTY_RULES: Record<string, (x: unknown) => boolean> = {
  temperature: (x) => inRange(x, -40, 85),
  heatingSetpoint: (x) => inRange(x, 5, 35),
  coolingSetpoint: (x) => inRange(x, 5, 35),
  hvacMode: oneOf(HVAC_MODES),
  humidity: (x) => inRange(x, 0, 100),
  occupancy: (x) => typeof x === "boolean",
  lockState: oneOf(LOCK_STATES),
  contactState: oneOf(CONTACT_STATES),
  energyWh: (x) => inRange(x, 0, 1_000_000),
};

function validProperties(p: unknown): boolean {
  if (typeof p !== "object" || p === null || Array.isArray(p) || Object.getPrototypeOf(p) !== Object.prototype) return false;
  let any = false;
  for (const name in p) {
    if (!Object.prototype.hasOwnProperty.call(p, name)) return false;
    const rule = Object.prototype.hasOwnProperty.call(PROPERTY_RULES, name) ? PROPERTY_RULES[name] : undefined;
    if (!rule || !rule((p as Record<string, unknown>)[name])) return false;
    any = true;
  }
  return any;
}
