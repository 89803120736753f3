// Reading one raw report: every rejection has a stable code and a sentence an operator can act on.
import { EARLIEST_OBSERVED_AT, isValidStateReport, MAX_FUTURE_SKEW_MS, MAX_REPORT_BYTES, stateReportSchema, type StateReport } from "@proviso/domain";

/** Every reason a report is quarantined for (UNKNOWN_DEVICE is found at ingest, UNSTORABLE by the database). */
export const REJECT_CODES = [
  "TOO_LARGE",
  "BAD_JSON",
  "BAD_SHAPE",
  "WRONG_TYPE",
  "OUT_OF_RANGE",
  "FUTURE_TIMESTAMP",
  "PAST_TIMESTAMP",
  "UNKNOWN_DEVICE",
  "TOPIC_MISMATCH",
  "UNSTORABLE",
  "UNAUTHORIZED_DEVICE",
  "SEQ_OUT_OF_BOUNDS",
] as const;

export type RejectCode = (typeof REJECT_CODES)[number];

export interface Rejection {
  code: RejectCode;
  reason: string;
  deviceRef: string | null;
}

export type ParseResult = { ok: true; report: StateReport } | { ok: false; rejection: Rejection };

const EARLIEST_MS = Date.parse(EARLIEST_OBSERVED_AT);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseStateReport(raw: string | Buffer | unknown, now: number, topicDeviceId?: string): ParseResult {
  let data: unknown = raw;
  if (typeof raw === "string" || Buffer.isBuffer(raw)) {
    const size = typeof raw === "string" ? Buffer.byteLength(raw) : raw.length;
    if (size > MAX_REPORT_BYTES) {
      return reject("TOO_LARGE", `report is ${size} bytes; the limit is ${MAX_REPORT_BYTES}`, topicDeviceId ?? null);
    }
    try {
      data = JSON.parse(raw.toString());
    } catch (err) {
      return reject("BAD_JSON", `not JSON: ${(err as Error).message}`, topicDeviceId ?? null);
    }
  }
  // Almost every report is valid: checked in place (the schema's rules, no copy); the schema itself
  // reads the rest and says what is wrong.
  const report = isValidStateReport(data) ? data : parseWithSchema(data, topicDeviceId);
  if ("rejection" in report) return report;
  if (topicDeviceId && topicDeviceId !== report.deviceId) {
    return reject("TOPIC_MISMATCH", `topic names device ${topicDeviceId} but the report names ${report.deviceId}`, report.deviceId);
  }
  const observed = Date.parse(report.observedAt);
  if (observed - now > MAX_FUTURE_SKEW_MS) {
    return reject("FUTURE_TIMESTAMP", `observedAt ${report.observedAt} is more than ${MAX_FUTURE_SKEW_MS / 60_000} minutes in the future`, report.deviceId);
  }
  if (observed < EARLIEST_MS) {
    return reject("PAST_TIMESTAMP", `observedAt ${report.observedAt} is before ${EARLIEST_OBSERVED_AT}: the device's clock is not set`, report.deviceId);
  }
  return { ok: true, report };
}

function parseWithSchema(data: unknown, topicDeviceId: string | undefined): StateReport | { ok: false; rejection: Rejection } {
  const claimed = typeof (data as { deviceId?: unknown })?.deviceId === "string" ? (data as { deviceId: string }).deviceId : null;
  const deviceRef = claimed ?? topicDeviceId ?? null;
  const parsed = stateReportSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.join(".") || "report";
    const code: RejectCode =
      issue.code === "too_big" || issue.code === "too_small"
        ? "OUT_OF_RANGE"
        : issue.code === "invalid_type" || issue.code === "invalid_value"
          ? issue.path[0] === "properties"
            ? "WRONG_TYPE"
            : "BAD_SHAPE"
          : "BAD_SHAPE";
    return reject(code, `${where}: ${issue.message}`, deviceRef && UUID.test(deviceRef) ? deviceRef : (deviceRef?.slice(0, 64) ?? null));
  }
  return parsed.data;
}

function reject(code: RejectCode, reason: string, deviceRef: string | null): { ok: false; rejection: Rejection } {
  return { ok: false, rejection: { code, reason, deviceRef } };
}
