// What the worker holds in memory: the compiled policy, the device directory and the active links
// per home. Reloaded whenever the policy counter moves (see migration 0002).
import { loadPolicySnapshot } from "@proviso/core";
import { appMeta, deviceModels, devices, partnerLinks, partners, type Database } from "@proviso/db";
import { compileSnapshot, type CompiledPolicy } from "@proviso/policy";
import { eq } from "drizzle-orm";

export interface DeviceInfo {
  deviceId: string;
  homeId: string;
  modelKey: string;
  kind: "thermostat" | "sensor" | "lock";
  categories: string[];
  name: string;
  room: string;
  modelName: string;
}

export interface LinkInfo {
  linkId: string;
  homeId: string;
  partnerId: string;
  adapter: "alexa" | "google" | "webhook";
  externalAccountId: string;
  accessToken: string | null;
}

export interface World {
  policyVersion: number;
  policy: CompiledPolicy;
  devices: Map<string, DeviceInfo>;
  linksByHome: Map<string, LinkInfo[]>;
  linkById: Map<string, LinkInfo>;
  loadedAt: number;
}

export async function readPolicyVersion(db: Database): Promise<number> {
  const [row] = await db.select({ value: appMeta.value }).from(appMeta).where(eq(appMeta.key, "policy.version"));
  return Number(row?.value ?? 0);
}

export async function loadWorld(db: Database): Promise<World> {
  const policyVersion = await readPolicyVersion(db);
  const [snapshot, deviceRows, linkRows] = await Promise.all([
    loadPolicySnapshot(db),
    db
      .select({
        deviceId: devices.id,
        homeId: devices.homeId,
        modelKey: deviceModels.key,
        kind: deviceModels.kind,
        categories: deviceModels.categories,
        name: devices.name,
        room: devices.room,
        modelName: deviceModels.name,
      })
      .from(devices)
      .innerJoin(deviceModels, eq(deviceModels.id, devices.modelId)),
    db
      .select({
        linkId: partnerLinks.id,
        homeId: partnerLinks.homeId,
        partnerId: partnerLinks.partnerId,
        adapter: partners.adapter,
        externalAccountId: partnerLinks.externalAccountId,
        accessToken: partnerLinks.accessTokenEnc,
      })
      .from(partnerLinks)
      .innerJoin(partners, eq(partners.id, partnerLinks.partnerId))
      .where(eq(partnerLinks.status, "active")),
  ]);
  const linksByHome = new Map<string, LinkInfo[]>();
  for (const l of linkRows) {
    const list = linksByHome.get(l.homeId);
    if (list) list.push(l);
    else linksByHome.set(l.homeId, [l]);
  }
  return {
    policyVersion,
    policy: compileSnapshot(snapshot),
    devices: new Map(deviceRows.map((d) => [d.deviceId, d])),
    linksByHome,
    linkById: new Map(linkRows.map((l) => [l.linkId, l])),
    loadedAt: Date.now(),
  };
}

/**
 * Keeps a World current: polls the policy counter (cheap) and reloads when it moved, so consent,
 * link, agreement and certification changes reach decisions within `pollMs` plus a reload.
 */
export class WorldCache {
  private world: World | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reloading: Promise<World> | null = null;

  constructor(
    private readonly db: Database,
    private readonly pollMs = 500,
    private readonly onReload?: (w: World, ms: number) => void,
  ) {}

  async start(): Promise<World> {
    const w = await this.reload();
    this.timer = setInterval(() => void this.check().catch(() => {}), this.pollMs);
    return w;
  }

  current(): World {
    if (!this.world) throw new Error("WorldCache not started");
    return this.world;
  }

  /** Reloads now if the counter moved (or always, with force). */
  async check(force = false): Promise<World> {
    const version = await readPolicyVersion(this.db);
    if (force || !this.world || version !== this.world.policyVersion) return this.reload();
    return this.world;
  }

  reload(): Promise<World> {
    this.reloading ??= (async () => {
      const t0 = Date.now();
      try {
        this.world = await loadWorld(this.db);
        this.onReload?.(this.world, Date.now() - t0);
        return this.world;
      } finally {
        this.reloading = null;
      }
    })();
    return this.reloading;
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
  }
}
