// The worker's copy of the shadow rows it last wrote, each with its revision (the id of the
// transaction that wrote it). A batch holding a copy of every row it needs decides from the copies
// and writes the rows back only where they are still of those revisions (`takeShadows` in
// bulk.ts); one that is not (another replica wrote a row since) is rolled back and done again the
// locking way. A batch missing a copy locks its devices' rows, telling the database the revision
// of each copy it holds: where this process wrote the row last, its copy is current and the
// properties and what was last sent are not sent again; where another replica (or a failed batch)
// came between, the row comes whole. A batch takes its copies out while it works on them (it
// changes them in place) and puts them back after its commit: a batch that fails, even at the
// commit, leaves no copy behind that another batch of this process could pick up. What a device
// last sent each partner lives in the database, in the row: a clause's minimum interval and
// Google's trait completion hold whichever replica handles a report, and across a restart.
import { canonicalJson } from "@proviso/audit";
import type { ShadowProperty } from "@proviso/domain";

export interface SentValue {
  /** When the values sent were observed (epoch ms). */
  at: number;
  properties: Record<string, unknown>;
  /** `properties` as JSON, where the batch that sent them had it already (the ledger's text). */
  json?: string;
  /** Its member of the stored form, `"<partner> <category>":[at,properties]`, once made (`storedSentJson`). */
  stored?: string;
}

/** partner → category → what was last sent, for one device. */
export type DeviceSent = Map<string, Map<string, SentValue>>;

/** The stored form: `"<partner> <category>"` → `[observed-at epoch ms, properties]` (`device_shadow.sent`). */
export type StoredSent = Record<string, [number, Record<string, unknown>]>;

export const sentKey = (partnerId: string, category: string) => `${partnerId} ${category}`;

export function sentFromStored(stored: StoredSent | null | undefined): DeviceSent {
  const out: DeviceSent = new Map();
  if (!stored) return out;
  for (const key in stored) {
    const space = key.indexOf(" ");
    const [at, properties] = stored[key]!;
    setSent(out, key.slice(0, space), key.slice(space + 1), { at, properties });
  }
  return out;
}

/** A sent value's properties as canonical JSON: the ledger's text where the batch that sent it had it, else made once. */
export const sentJson = (v: SentValue) => (v.json ??= canonicalJson(v.properties));

/**
 * The stored form of what a device last sent, as JSON text (the row's `sent` is written whole,
 * with every batch that sends for the device). A value sent does not change, so its member is
 * made once and kept on it: most of a row's members are the same batch after batch.
 */
export function storedSentJson(device: DeviceSent): string {
  let out = "";
  for (const [partnerId, forPartner] of device) {
    for (const [category, v] of forPartner) {
      out += (out ? "," : "{") + (v.stored ??= `${keyJson(partnerId, category)}:[${v.at},${sentJson(v)}]`);
    }
  }
  return out ? `${out}}` : "{}";
}

/** `JSON.stringify(sentKey(partner, category))`, made once per pair (a fleet has a few dozen). */
const keyJsons = new Map<string, Map<string, string>>();
function keyJson(partnerId: string, category: string): string {
  let forPartner = keyJsons.get(partnerId);
  if (forPartner === undefined) keyJsons.set(partnerId, (forPartner = new Map()));
  let text = forPartner.get(category);
  if (text === undefined) forPartner.set(category, (text = JSON.stringify(sentKey(partnerId, category))));
  return text;
}

export function setSent(device: DeviceSent, partnerId: string, category: string, value: SentValue) {
  let forPartner = device.get(partnerId);
  if (!forPartner) device.set(partnerId, (forPartner = new Map()));
  forPartner.set(category, value);
}

/** A shadow row as this process last committed it. */
export interface CachedShadow {
  revision: string;
  reachable: boolean;
  properties: Record<string, ShadowProperty>;
  sent: DeviceSent;
}

/**
 * Copies of at most `maxDevices` rows: past that, the least recently written go (a device whose
 * copy went is read whole on its next report, nothing more).
 */
export class ShadowCache {
  private readonly byDevice = new Map<string, CachedShadow>();
  /** Rows found current (not read again) and rows read, since the start. */
  hits = 0;
  misses = 0;
  /** Batches done again the locking way: a row they took unlocked had been written by someone else. */
  conflicts = 0;

  constructor(readonly maxDevices = 200_000) {}

  /**
   * Takes out the copy of a device's row (it is the caller's until it puts it back with `set`),
   * if it is the revision the database holds; a copy of any other revision is dropped.
   */
  take(deviceId: string, revision: string): CachedShadow | undefined {
    const c = this.byDevice.get(deviceId);
    if (c === undefined) return undefined;
    this.byDevice.delete(deviceId);
    return c.revision === revision ? c : undefined;
  }

  /**
   * Takes out the copies of every one of `deviceIds`' rows, whatever their revisions (the caller
   * checks them where it writes); none, taking nothing, unless it holds a copy of each.
   */
  takeEvery(deviceIds: readonly string[]): CachedShadow[] | null {
    const copies = new Array<CachedShadow>(deviceIds.length);
    for (let i = 0; i < deviceIds.length; i++) {
      const c = this.byDevice.get(deviceIds[i]!);
      if (c === undefined) return null;
      copies[i] = c;
    }
    for (const id of deviceIds) this.byDevice.delete(id);
    return copies;
  }

  /** The revision of the copy held of a device's row, if any. */
  revisionOf(deviceId: string): string | undefined {
    return this.byDevice.get(deviceId)?.revision;
  }

  set(deviceId: string, shadow: CachedShadow) {
    // Deleted first, so the map's order is the order of writes and its first key the oldest.
    this.byDevice.delete(deviceId);
    if (this.maxDevices <= 0) return;
    this.byDevice.set(deviceId, shadow);
    if (this.byDevice.size > this.maxDevices) this.byDevice.delete(this.byDevice.keys().next().value!);
  }

  get size() {
    return this.byDevice.size;
  }
}
