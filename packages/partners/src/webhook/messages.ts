// The generic webhook: a small JSON document, signed in the Standard Webhooks format
// (https://www.standardwebhooks.com: `webhook-id`, `webhook-timestamp`, `webhook-signature`, an
// HMAC-SHA256 over `id.timestamp.body` with the partner's own `whsec_` secret, by the
// `standardwebhooks` package). While a partner's secret is being rotated, every message carries a
// signature with each secret still in force (space-separated), so either verifies. Proviso
// publishes its shape (WEBHOOK_MESSAGE_SCHEMA, a JSON Schema) and how a receiver checks it
// (checkWebhookSignature: a signature with one of its secrets, and a timestamp within five minutes,
// so a message caught on the way cannot be replayed later).
import { CATEGORIES, REPORT_CAUSES } from "@proviso/domain";
import { timingSafeEqual } from "node:crypto";
import { Webhook } from "standardwebhooks";
import type { StateChange } from "../types";

/** How old a signed timestamp a receiver accepts, seconds (and how far ahead, for clock drift): Standard Webhooks' five minutes. */
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

/** The three Standard Webhooks headers for `body`, signed with every secret in `secrets` (at least one). */
export function signWebhook(secrets: readonly string[], messageId: string, body: string, timestamp: number): Record<string, string> {
  if (secrets.length === 0) throw new Error("no signing secret to sign the webhook with");
  const at = new Date(timestamp * 1000);
  return {
    "webhook-id": messageId,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": secrets.map((s) => new Webhook(s).sign(messageId, at, body)).join(" "),
  };
}

/**
 * What a receiver checks: a `v1` signature over `id.timestamp.body` made with one of `secrets`
 * (a receiver mid-rotation knows two), and (unless `nowSeconds` is null) that the timestamp is
 * within WEBHOOK_TOLERANCE_SECONDS of now. The signature is computed by the `standardwebhooks`
 * package; the clock is the caller's (its own `verify` reads the process's). Returns what is wrong, or null.
 */
export function checkWebhookSignature(
  secrets: readonly string[],
  body: string,
  headers: Record<string, string | string[] | undefined>,
  nowSeconds: number | null,
): string | null {
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const id = one(headers["webhook-id"]);
  const stamp = one(headers["webhook-timestamp"]);
  const given = one(headers["webhook-signature"]);
  if (!id || !stamp || !given) return "webhook-id, webhook-timestamp and webhook-signature are required";
  if (!/^\d{1,12}$/.test(stamp)) return `webhook-timestamp is not a Unix time in seconds: ${stamp.slice(0, 40)}`;
  const ts = Number(stamp);
  if (nowSeconds !== null && Math.abs(nowSeconds - ts) > WEBHOOK_TOLERANCE_SECONDS) {
    return `webhook-timestamp is ${nowSeconds - ts} s from now; at most ${WEBHOOK_TOLERANCE_SECONDS} s is accepted`;
  }
  const passed = given.split(" ").map((p) => Buffer.from(p));
  for (const secret of secrets) {
    const expected = Buffer.from(new Webhook(secret).sign(id, new Date(ts * 1000), body));
    if (passed.some((p) => p.length === expected.length && timingSafeEqual(p, expected))) return null;
  }
  return "webhook-signature has no signature made with this receiver's secret over the id, timestamp and body";
}
