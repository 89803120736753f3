import type { CallbackUrls, DeliveryMode, DeviceKind, LinkInfo, ReportCause } from "@proviso/domain";

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

/** A home's link to a platform, as an adapter needs it to speak for that home (the snapshot's own). */
export type PartnerLink = LinkInfo;
export type { CallbackUrls };

/** A device as an adapter needs it. */
export interface PartnerDevice {
  deviceId: string;
  homeId: string;
  kind: DeviceKind;
}

/** What changed in what a link's platform may be told of its home's devices. */
export interface DiscoveryDiff {
  /** Endpoints new or changed since the partner was last told. */
  upserts: DeviceDescription[];
  /** Endpoints the partner was told of and may no longer discover. */
  deletes: string[];
}

/** An HTTP request to a platform, built and ready to POST. */
export interface WireRequest {
  /** POST unless said (Home Graph deletes an agent user with DELETE). */
  method?: "POST" | "DELETE";
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Tokens a platform granted for what we send on a link's behalf. */
export interface GrantedTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
}
