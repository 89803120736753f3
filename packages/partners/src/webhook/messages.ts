// The generic webhook: a small JSON document, signed with HMAC-SHA256 over `timestamp.body`.
// Proviso publishes its shape (WEBHOOK_MESSAGE_SCHEMA, a JSON Schema) and how a receiver checks
// the signature (checkWebhookSignature: right secret, and a timestamp no older than five minutes,
// so a message caught on the way cannot be replayed later).
import { CATEGORIES, REPORT_CAUSES } from "@proviso/domain";
import { createHmac, timingSafeEqual } from "node:crypto";
import type { StateChange } from "../types";

/** The secret the worker signs with and the partner sandbox checks with when WEBHOOK_SECRET is not set. */
export const SANDBOX_WEBHOOK_SECRET = "proviso-sandbox-secret";
/** How old a signed timestamp a receiver accepts, seconds (and how far ahead, for clock drift). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

const ISO_TIME = "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$";
const UUID = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/** The webhook's state-change message, as a JSON Schema (draft-07) a receiver can validate with. */
export const WEBHOOK_MESSAGE_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "Proviso webhook state change",
  type: "object",
  required: ["messageId", "partner", "homeId", "deviceId", "observedAt", "cause", "properties"],
  additionalProperties: false,
  properties: {
    messageId: { type: "string", minLength: 1, description: "Stable across retries: a receiver drops a message id it has seen" },
    partner: { type: "string", pattern: "^[a-z0-9-]+$" },
    homeId: { type: "string", pattern: UUID },
    deviceId: { type: "string", pattern: UUID },
    observedAt: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$" },
    cause: { enum: [...REPORT_CAUSES] },
    properties: {
      type: "object",
      minProperties: 1,
      propertyNames: { enum: [...new Set(CATEGORIES.flatMap((c) => c.properties))] },
      additionalProperties: { type: ["number", "string", "boolean"] },
    },
  },
} as const;

/**
 * The webhook's deletion event: the home's link with the partner ended, and what it received
 * about the home is to be deleted by the deadline (then confirmed in the partner portal).
 */
export const WEBHOOK_DELETION_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "Proviso webhook deletion requested",
  type: "object",
  required: ["type", "messageId", "partner", "homeId", "deletionRequestId", "requestedAt", "deadline"],
  additionalProperties: false,
  properties: {
    type: { const: "deletion.requested" },
    messageId: { type: "string", minLength: 1 },
    partner: { type: "string", pattern: "^[a-z0-9-]+$" },
    homeId: { type: "string", pattern: UUID },
    deletionRequestId: { type: "string", pattern: UUID },
    requestedAt: { type: "string", pattern: ISO_TIME },
    deadline: { type: "string", pattern: ISO_TIME },
  },
} as const;

export function webhookDeletionMessage(partnerId: string, homeId: string, request: { id: string; requestedAt: Date; deadline: Date }) {
  return {
    type: "deletion.requested",
    messageId: `deletion-${request.id}`,
    partner: partnerId,
    homeId,
    deletionRequestId: request.id,
    requestedAt: request.requestedAt.toISOString(),
    deadline: request.deadline.toISOString(),
  };
}

export function webhookStateMessage(partnerId: string, homeId: string, change: StateChange) {
  return {
    messageId: change.messageId,
    partner: partnerId,
    homeId,
    deviceId: change.deviceId,
    observedAt: change.observedAt,
    cause: change.cause,
    properties: change.changed,
  };
}

export function signWebhook(secret: string, body: string, timestamp: number): Record<string, string> {
  const signature = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return { "x-proviso-timestamp": String(timestamp), "x-proviso-signature": `sha256=${signature}` };
}

export function verifyWebhook(secret: string, body: string, headers: Record<string, string | undefined>): boolean {
  return checkWebhookSignature(secret, body, headers, null) === null;
}

/**
 * What a receiver checks: the signature over `timestamp.body` with the shared secret, and (unless
 * `nowSeconds` is null) that the timestamp is within WEBHOOK_TOLERANCE_SECONDS of now. Returns
 * what is wrong, or null.
 */
export function checkWebhookSignature(
  secret: string,
  body: string,
  headers: Record<string, string | string[] | undefined>,
  nowSeconds: number | null,
): string | null {
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const stamp = one(headers["x-proviso-timestamp"]);
  const given = one(headers["x-proviso-signature"]);
  if (!stamp || !given) return "x-proviso-timestamp and x-proviso-signature are required";
  const ts = Number(stamp);
  if (!Number.isInteger(ts)) return `x-proviso-timestamp is not a Unix time in seconds: ${stamp.slice(0, 40)}`;
  const expected = signWebhook(secret, body, ts)["x-proviso-signature"]!;
  if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected)))
    return "x-proviso-signature does not match the body and timestamp";
  if (nowSeconds !== null && Math.abs(nowSeconds - ts) > WEBHOOK_TOLERANCE_SECONDS) {
    return `x-proviso-timestamp is ${nowSeconds - ts} s from now; at most ${WEBHOOK_TOLERANCE_SECONDS} s is accepted`;
  }
  return null;
}
