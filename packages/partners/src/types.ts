import type { DeliveryMode, ReportCause, DeviceKind } from "@proviso/domain";

/** A device's state as a partner may see it: property name → value (already minimised). */
export type DeviceState = Record<string, unknown>;

/** What a device is, for discovery and SYNC. */
export interface DeviceDescription {
  deviceId: string;
  name: string;
  room: string;
  modelKey: string;
  modelName: string;
  kind: DeviceKind;
  /** The categories the model can report. */
  categories: string[];
  /** Per category, the modes actually allowed for this home (agreement ∧ consent). */
  allowedModes: Record<string, DeliveryMode[]>;
}

export interface StateChange {
  messageId: string;
  deviceId: string;
  cause: ReportCause;
  /** When the state was observed (ISO). */
  observedAt: string;
  /** The properties that changed and may be sent. */
  changed: DeviceState;
  /** The rest of the device's state that may be sent (for context / complete traits). */
  current: DeviceState;
}
