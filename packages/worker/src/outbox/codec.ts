// The contract between the worker's two halves: what ingest and discovery write into the outbox,
// and what delivery reads back. Every row is a kind (`<adapter>.state` or `<adapter>.discovery`)
// and a payload of that kind's schema; encode and decode are tested both ways (codec.test.ts).
import { ADAPTERS, REPORT_CAUSES, type AdapterId, type ReportCause } from "@proviso/domain";
import { z } from "zod";

export const MESSAGE_KINDS = ["state", "discovery"] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** The outbox kind of a message for one platform: `alexa.state`, `google.discovery`, … */
export const outboxKind = (adapter: AdapterId, message: MessageKind) => `${adapter}.${message}`;

/** What a stored kind says (null for a kind this code does not know). */
export function readOutboxKind(kind: string): { adapter: AdapterId; message: MessageKind } | null {
  const dot = kind.indexOf(".");
  const adapter = kind.slice(0, dot) as AdapterId;
  const message = kind.slice(dot + 1) as MessageKind;
  return dot > 0 && ADAPTERS.includes(adapter) && MESSAGE_KINDS.includes(message) ? { adapter, message } : null;
}

const byCategory = z.record(z.string(), z.record(z.string(), z.unknown()));

/** A state message: what changed and what completes it, per category, minimised as decided. */
export const stateMessage = z.object({
  deviceId: z.guid(),
  cause: z.enum(REPORT_CAUSES),
  observedAt: z.string(),
  /** category → allowed (minimised) properties that changed. */
  changed: byCategory,
  /** category → allowed properties sent to complete what the platform overwrites whole (Google's traits). */
  context: byCategory,
});
export type StateMessage = z.infer<typeof stateMessage>;

/** A discovery update: which devices the check noticed (delivery builds the update afresh from the snapshot of its moment). */
export const discoveryMessage = z.object({ noticed: z.object({ upserts: z.array(z.string()), deletes: z.array(z.string()) }) });
export type DiscoveryMessage = z.infer<typeof discoveryMessage>;

/**
 * A state message as JSON text, built from pieces already in text: each category's values are the
 * canonical JSON the ledger stores (made once on the hot path), `changedJson` and `contextJson`
 * the members of the two objects (`"category":{…}` joined by commas). The device id is a uuid and
 * the cause a code, neither needing escapes; `decodeState(encodeState(…))` gives the message back.
 */
export function encodeStateText(deviceId: string, cause: ReportCause, observedAt: string, changedJson: string, contextJson: string): string {
  return `{"deviceId":"${deviceId}","cause":"${cause}","observedAt":${JSON.stringify(observedAt)},"changed":{${changedJson}},"context":{${contextJson}}}`;
}

/** A state message as JSON text (for callers that hold it as an object). */
export function encodeState(m: StateMessage): string {
  const members = (o: StateMessage["changed"]) =>
    Object.entries(o)
      .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
      .join(",");
  return encodeStateText(m.deviceId, m.cause, m.observedAt, members(m.changed), members(m.context));
}

export const encodeDiscovery = (m: DiscoveryMessage) => JSON.stringify(discoveryMessage.parse(m));

/** A stored payload (json: as text or as the driver parsed it) read as a state message; throws naming what is wrong. */
export function decodeState(payload: unknown): StateMessage {
  return stateMessage.parse(typeof payload === "string" ? JSON.parse(payload) : payload);
}

export function decodeDiscovery(payload: unknown): DiscoveryMessage {
  return discoveryMessage.parse(typeof payload === "string" ? JSON.parse(payload) : payload);
}
