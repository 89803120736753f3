// What the worker holds in memory to decide by: the compiled policy, the device directory and the
// active links per home, as one immutable snapshot (`World`). Loaded whole by `loadWorld`
// (load-world.ts), brought up to date by the change log (change-log.ts), kept by `WorldCache`.
import type { DeviceKind, LinkInfo } from "@proviso/domain";
import type { CompiledPolicy } from "@proviso/policy";

export interface DeviceInfo {
  deviceId: string;
  homeId: string;
  modelId: string;
  modelKey: string;
  kind: DeviceKind;
  categories: string[];
  name: string;
  room: string;
  modelName: string;
}

export type { LinkInfo };

export interface World {
  policyVersion: number;
  policy: CompiledPolicy;
  devices: ReadonlyMap<string, DeviceInfo>;
  devicesByHome: ReadonlyMap<string, readonly DeviceInfo[]>;
  linksByHome: ReadonlyMap<string, readonly LinkInfo[]>;
  linkById: ReadonlyMap<string, LinkInfo>;
  loadedAt: number;
  /** How this snapshot came to be: loaded whole, or an earlier one with the changes since applied. */
  origin: "loaded" | "changes applied";
  /** With changes applied: the homes whose consents, links or devices they were (none for terms: every home). */
  changedHomes?: readonly string[];
  /** The terms it was compiled from, as `termsKey` gives them (a change to a draft changes nothing). */
  termsKey: string;
}

/** Opens a partner token sealed at rest (packages/core `createTokenCipher` is one). */
export interface TokenOpener {
  /** Opens a token sealed for `boundTo` (the link's id). */
  decrypt(sealed: string, boundTo: string): string;
}
