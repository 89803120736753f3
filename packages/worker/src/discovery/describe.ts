// Discovery kept current. What a partner may be told about a home's devices (per category, the
// modes the terms and the homeowner's consent allow: Alexa's `retrievable` / `proactivelyReported`,
// Google's `willReportState` and traits) changes with consent, links, agreements, certifications
// and the devices themselves. The partner learns it when it asks (Discover, SYNC); between those,
// the worker tells it: where what is allowed now differs from what the partner was last told
// (`link_discovery`), one discovery update is queued per link, and at delivery it is built from the
// snapshot of that moment — Alexa `AddOrUpdateReport` for endpoints new or changed and `DeleteReport`
// for endpoints gone (a model withdrawn by a lapsed certification, say); Google `requestSync`,
// after which Google asks SYNC again. Without it Alexa would go on expecting ChangeReports for a
// property the homeowner stopped sharing, and never hear of one newly allowed.
import { FULFIL_REQUEST, type DeliveryMode } from "@proviso/domain";
import type { DeviceDescription } from "@proviso/partners";
import { allowedModes, homeInputsKey, isDiscoverable } from "@proviso/policy";
import type { DeviceInfo, LinkInfo, World } from "@proviso/snapshot";
import { fastHash } from "./digest";

/** Which modes the terms and consent allow now, per category: what discovery and SYNC declare. */
export function allowedModesOf(world: World, link: LinkInfo, device: DeviceInfo, now: number): Record<string, DeliveryMode[]> {
  const out: Record<string, DeliveryMode[]> = {};
  const q = { partnerId: link.partnerId, homeId: device.homeId, modelKey: device.modelKey, category: "", purpose: FULFIL_REQUEST, at: now };
  for (const category of device.categories) {
    q.category = category;
    out[category] = allowedModes(world.policy, q);
  }
  return out;
}

/**
 * Descriptions for one snapshot at one moment. A home enters the engine's decision only through
 * its link's state and its consents (`homeInputsKey`), so homes alike decide alike: the modes are
 * worked out once per partner, model and key, and whether a model may be discovered once per
 * partner and model. Across a fleet that is a few hundred decisions instead of millions.
 */
/** A device as a partner may be told of it, and a digest of that (what `link_discovery` keeps). */
export interface Described {
  description: DeviceDescription;
  digest: string;
}

/**
 * Descriptions for one snapshot at one moment. A home enters the engine's decision only through
 * its link's state and its consents (`homeInputsKey`), so homes alike decide alike: the modes are
 * worked out once per partner, model and key, and whether a model may be discovered once per
 * partner and model. Across a fleet that is a few hundred decisions instead of millions.
 */
export class Describer {
  private readonly modes = new Map<string, { modes: Record<string, DeliveryMode[]>; text: string }>();
  private readonly visible = new Map<string, boolean>();

  constructor(
    readonly world: World,
    readonly now: number,
  ) {}

  discoverable(partnerId: string, modelKey: string): boolean {
    const key = `${partnerId}|${modelKey}`;
    let v = this.visible.get(key);
    if (v === undefined) this.visible.set(key, (v = isDiscoverable(this.world.policy, partnerId, modelKey, this.now)));
    return v;
  }

  describe(link: LinkInfo, d: DeviceInfo): Described {
    // A model's categories are the model's: within one snapshot the model stands for them.
    const key = `${link.partnerId}|${d.modelKey}|${homeInputsKey(this.world.policy, link.partnerId, d.homeId, d.categories)}`;
    let m = this.modes.get(key);
    if (m === undefined) {
      const modes = allowedModesOf(this.world, link, d, this.now);
      this.modes.set(key, (m = { modes, text: modesText(modes) }));
    }
    const description: DeviceDescription = {
      deviceId: d.deviceId,
      name: d.name,
      room: d.room,
      modelKey: d.modelKey,
      modelName: d.modelName,
      kind: d.kind,
      categories: d.categories,
      allowedModes: m.modes,
    };
    return { description, digest: digestText(description, m.text) };
  }

  /** The devices of a link's home the partner may discover now (a lapsed certification may withdraw a model). */
  discoverableDevices(link: LinkInfo): Described[] {
    const out: Described[] = [];
    for (const d of this.world.devicesByHome.get(link.homeId) ?? []) {
      if (this.discoverable(link.partnerId, d.modelKey)) out.push(this.describe(link, d));
    }
    return out;
  }
}

export function discoverableDevices(world: World, link: LinkInfo, now: number): Described[] {
  return new Describer(world, now).discoverableDevices(link);
}

const modesText = (modes: Record<string, DeliveryMode[]>) =>
  Object.keys(modes)
    .sort()
    .map((c) => `${c}=${modes[c]!.join("+")}`)
    .join(",");

const digestText = (d: DeviceDescription, modes: string) =>
  fastHash(d.name, d.room, d.modelKey, d.modelName, d.kind, [...d.categories].sort().join(","), modes);

/** deviceId → digest: what an announcement of these devices tells. */
export function announcementOf(devices: Described[]): Record<string, string> {
  return Object.fromEntries(devices.map((d) => [d.description.deviceId, d.digest]));
}
