// The generic webhook: a small JSON document, signed with HMAC-SHA256 over `timestamp.body`.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { StateChange } from "../types";

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
  const ts = Number(headers["x-proviso-timestamp"]);
  const given = headers["x-proviso-signature"] ?? "";
  if (!Number.isFinite(ts)) return false;
  const expected = signWebhook(secret, body, ts)["x-proviso-signature"]!;
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}
