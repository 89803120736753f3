// What the worker holds in memory: the compiled policy, the device directory and the active links
// per home. Brought up to date whenever the policy counter moves (see migration 0002): by applying
// the consents written since (migration 0020) when nothing else changed, by a reload otherwise.
import { loadPolicySnapshot, type TokenCipher } from "@proviso/core";
import { appMeta, deviceModels, devices, partnerLinks, partners, policyChanges, type Database } from "@proviso/db";
import { compileSnapshot, withConsents, type CompiledPolicy, type ConsentChange } from "@proviso/policy";
import { asc, eq, gt } from "drizzle-orm";
import pg from "pg";

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
  /** Decrypted in memory only; stored encrypted (packages/core token-cipher). */
  accessToken: string | null;
  refreshToken: string | null;
}

export interface World {
  policyVersion: number;
  policy: CompiledPolicy;
  devices: Map<string, DeviceInfo>;
  devicesByHome: Map<string, DeviceInfo[]>;
  linksByHome: Map<string, LinkInfo[]>;
  linkById: Map<string, LinkInfo>;
  loadedAt: number;
  /** How this snapshot came to be: loaded whole, or an earlier one with consents applied. */
  origin: "loaded" | "consents applied";
  /** With consents applied: the homes whose consents they were (nothing else changed). */
  consentHomes?: readonly string[];
}

export async function readPolicyVersion(db: Database): Promise<number> {
  const [row] = await db.select({ value: appMeta.value }).from(appMeta).where(eq(appMeta.key, "policy.version"));
  return Number(row?.value ?? 0);
}

export async function loadWorld(db: Database, cipher?: TokenCipher | null): Promise<World> {
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
        accessTokenEnc: partnerLinks.accessTokenEnc,
        refreshTokenEnc: partnerLinks.refreshTokenEnc,
      })
      .from(partnerLinks)
      .innerJoin(partners, eq(partners.id, partnerLinks.partnerId))
      .where(eq(partnerLinks.status, "active")),
  ]);
  const open = (sealed: string | null) => {
    if (!sealed || !cipher) return null;
    try {
      return cipher.decrypt(sealed);
    } catch {
      return null; // another key, or tampered: the link needs a new grant
    }
  };
  const links: LinkInfo[] = linkRows.map(({ accessTokenEnc, refreshTokenEnc, ...l }) => ({
    ...l,
    accessToken: open(accessTokenEnc),
    refreshToken: open(refreshTokenEnc),
  }));
  return {
    policyVersion,
    policy: compileSnapshot(snapshot),
    devices: new Map(deviceRows.map((d) => [d.deviceId, d])),
    devicesByHome: byHome(deviceRows),
    linksByHome: byHome(links),
    linkById: new Map(links.map((l) => [l.linkId, l])),
    loadedAt: Date.now(),
    origin: "loaded",
  };
}

/** Consent statements logged at a time (migration 0020), so a catching-up worker reads a bounded page. */
const CHANGES_PAGE = 1_000;

/**
 * `world` brought up to date by applying the consents written since it (a new World: the old one is
 * left as it was). Null when anything else moved the counter meanwhile (a version with no consent
 * log row), or a consent is one the compiled policy has no place for: then reload whole.
 */
export async function applyConsentChanges(db: Database, world: World): Promise<World | null> {
  const rows = await db
    .select({ version: policyChanges.version, consents: policyChanges.consents })
    .from(policyChanges)
    .where(gt(policyChanges.version, world.policyVersion))
    .orderBy(asc(policyChanges.version))
    .limit(CHANGES_PAGE);
  if (rows.length === 0) return null;
  const consents: ConsentChange[] = [];
  for (let i = 0; i < rows.length; i++) {
    if (rows[i]!.version !== world.policyVersion + 1 + i) return null;
    consents.push(...(rows[i]!.consents as ConsentChange[]));
  }
  const policy = withConsents(world.policy, consents);
  if (!policy) return null;
  const consentHomes = [...new Set(consents.map((c) => c.homeId))];
  return { ...world, policy, policyVersion: rows.at(-1)!.version, loadedAt: Date.now(), origin: "consents applied", consentHomes };
}

function byHome<T extends { homeId: string }>(items: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const list = out.get(item.homeId);
    if (list) list.push(item);
    else out.set(item.homeId, [item]);
  }
  return out;
}

/**
 * Keeps a World current: polls the policy counter (cheap) and, when it moved, applies the consents
 * written since or, if anything else changed, reloads; so consent, link, agreement and
 * certification changes reach decisions within `pollMs` plus that. (At 100,000 homes a reload takes
 * seconds and applying a consent milliseconds: homeowners' choices, the common change, stay within
 * a second at any size.)
 */
export class WorldCache {
  private world: World | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reloading: Promise<World> | null = null;

  constructor(
    private readonly db: Database,
    private readonly pollMs = 500,
    private readonly onReload?: (w: World, ms: number) => void,
    private readonly cipher: TokenCipher | null = null,
  ) {}

  async start(opts: { listenUrl?: string } = {}): Promise<World> {
    const w = await this.reload();
    this.timer = setInterval(() => void this.check().catch(() => {}), this.pollMs);
    if (opts.listenUrl) await this.listen(opts.listenUrl);
    return w;
  }

  /**
   * PostgreSQL notifies on every policy change (migration 0002): reload at once instead of at the
   * next poll. Where LISTEN is not available (the embedded server) polling alone carries it.
   */
  private async listen(url: string) {
    const client = new pg.Client({ connectionString: url, application_name: "proviso-worker-listen" });
    try {
      await client.connect();
      client.on("notification", () => void this.check().catch(() => {}));
      client.on("error", () => {});
      await client.query("LISTEN proviso_policy");
      this.listener = client;
    } catch {
      await client.end().catch(() => {});
    }
  }

  private listener: pg.Client | null = null;

  current(): World {
    if (!this.world) throw new Error("WorldCache not started");
    return this.world;
  }

  /** When the last finished check read the counter (its start: the read follows it). */
  private lastCheckStarted = 0;
  private checking: Promise<World> | null = null;
  private checkingStarted = 0;

  /**
   * A snapshot at least as new as the counter was at most `maxAgeMs` before this call: checks the
   * counter (one small query, shared by concurrent callers) and reloads if it moved. Decisions taken
   * right after a consent, link or certification change use it, so they never wait for the next
   * poll. A check already under way is joined only if it started within `maxAgeMs`: one that started
   * earlier may have read the counter before a change this caller must see.
   */
  fresh(maxAgeMs = 50): Promise<World> {
    const now = Date.now();
    if (this.world && now - this.lastCheckStarted < maxAgeMs) return Promise.resolve(this.world);
    if (this.checking && now - this.checkingStarted < maxAgeMs) return this.checking;
    const started = now;
    const checking: Promise<World> = this.check()
      .then((w) => {
        this.lastCheckStarted = Math.max(this.lastCheckStarted, started);
        return w;
      })
      .finally(() => {
        if (this.checking === checking) this.checking = null;
      });
    this.checking = checking;
    this.checkingStarted = started;
    return checking;
  }

  /**
   * Reloads now if the counter moved (or always, with force). A reload already under way may have
   * read an older counter: then it loads again, so what comes back is at least as new as the
   * counter read here.
   */
  async check(force = false): Promise<World> {
    const version = await readPolicyVersion(this.db);
    if (!force && this.world && this.world.policyVersion >= version) return this.world;
    let w = await this.update(force);
    while (w.policyVersion < version) w = await this.update(false);
    return w;
  }

  /** Loads the whole snapshot again, whatever changed. */
  reload(): Promise<World> {
    return this.update(true);
  }

  /** One update at a time: the consents written since applied, or (if that cannot be, or `whole`) a reload. */
  private update(whole: boolean): Promise<World> {
    this.reloading ??= (async () => {
      const t0 = Date.now();
      try {
        const applied = !whole && this.world ? await applyConsentChanges(this.db, this.world) : null;
        this.world = applied ?? (await loadWorld(this.db, this.cipher));
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
    void this.listener?.end().catch(() => {});
  }
}
