// What the worker holds in memory: the compiled policy, the device directory and the active links
// per home. Brought up to date whenever the policy counter moves (see migration 0002): by applying
// the changes logged since (migrations 0020, 0023, 0024), by a load of everything where the log cannot.
import type { DeviceKind, AdapterId } from "@proviso/domain";
import { loadCurrentConsents, loadPolicyTerms, type TokenCipher } from "@proviso/core";
import { appMeta, deviceModels, devices, partnerLinks, partners, policyChanges, readAll, type Database } from "@proviso/db";
import { compileSnapshot, withChanges, type CompiledPolicy, type ConsentChange, type SnapshotTerms } from "@proviso/policy";
import { asc, eq, gt, sql, type AnyColumn } from "drizzle-orm";
import { LayeredMap } from "./layered-map";
import pg from "pg";

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

export interface LinkInfo {
  linkId: string;
  homeId: string;
  partnerId: string;
  adapter: AdapterId;
  externalAccountId: string;
  /** Decrypted in memory only; stored encrypted (packages/core token-cipher). */
  accessToken: string | null;
  refreshToken: string | null;
}

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

/**
 * The approved versions and certifications in an order of their own (the queries give rows in no
 * set order), as one text: equal when nothing the engine decides by moved.
 */
export function termsKey(terms: SnapshotTerms): string {
  const versions = [...terms.versions].sort((a, b) => a.versionId.localeCompare(b.versionId));
  const certifications = [...terms.certifications].sort((a, b) => a.modelKey.localeCompare(b.modelKey) || a.programmeKey.localeCompare(b.programmeKey));
  return JSON.stringify([versions, certifications, terms.suspensions ?? []]);
}

export async function readPolicyVersion(db: Database): Promise<number> {
  const [row] = await db.select({ value: appMeta.value }).from(appMeta).where(eq(appMeta.key, "policy.version"));
  return Number(row?.value ?? 0);
}

const linkColumns = {
  linkId: partnerLinks.id,
  homeId: partnerLinks.homeId,
  partnerId: partnerLinks.partnerId,
  status: partnerLinks.status,
  adapter: partners.adapter,
  externalAccountId: partnerLinks.externalAccountId,
  accessTokenEnc: partnerLinks.accessTokenEnc,
  refreshTokenEnc: partnerLinks.refreshTokenEnc,
};

/** Links as the engine and delivery read them: every one (all states), or those of some homes. */
function readLinks(db: Database, homes?: string[]) {
  const q = db.select(linkColumns).from(partnerLinks).innerJoin(partners, eq(partners.id, partnerLinks.partnerId));
  return homes ? q.where(anyOf(partnerLinks.homeId, homes)) : q;
}

/** `column = any($1::uuid[])`: one parameter however many ids (`in (…)` takes one each, 65,535 at most). */
const anyOf = (column: AnyColumn, ids: string[]) => sql`${column} = any(${sql.param(ids)}::uuid[])`;

/** What a device's entry takes from its model. */
const modelColumns = { modelKey: deviceModels.key, kind: deviceModels.kind, categories: deviceModels.categories, modelName: deviceModels.name };
type ModelInfo = Pick<DeviceInfo, keyof typeof modelColumns>;

/** The device directory: every device, or those of some homes. */
function readDevices(db: Database, homes?: string[]): Promise<DeviceInfo[]> {
  const q = db
    .select({ deviceId: devices.id, homeId: devices.homeId, modelId: devices.modelId, name: devices.name, room: devices.room, ...modelColumns })
    .from(devices)
    .innerJoin(deviceModels, eq(deviceModels.id, devices.modelId));
  return homes ? q.where(anyOf(devices.homeId, homes)) : q;
}

/** Every device model, by id. */
async function readModels(db: Database): Promise<Map<string, ModelInfo>> {
  const rows = await db.select({ id: deviceModels.id, ...modelColumns }).from(deviceModels);
  return new Map(rows.map(({ id, ...m }) => [id, m]));
}

/** Active links with their tokens opened (a token that will not open reads as none: the link needs a new grant). */
function activeLinks(rows: Awaited<ReturnType<typeof readLinks>>, cipher: TokenCipher | null | undefined): LinkInfo[] {
  const open = (sealed: string | null) => {
    if (!sealed || !cipher) return null;
    try {
      return cipher.decrypt(sealed);
    } catch {
      return null; // another key, or tampered
    }
  };
  return rows
    .filter((l) => l.status === "active")
    .map(({ accessTokenEnc, refreshTokenEnc, status: _status, ...l }) => ({ ...l, accessToken: open(accessTokenEnc), refreshToken: open(refreshTokenEnc) }));
}

export async function loadWorld(db: Database, cipher?: TokenCipher | null): Promise<World> {
  const policyVersion = await readPolicyVersion(db);
  const [terms, consents, deviceRows, linkRows] = await Promise.all([loadPolicyTerms(db), loadCurrentConsents(db), readDevices(db), readLinks(db)]);
  // The links are read once: every state for the engine, the active ones with what delivery needs.
  const snapshot = { ...terms, consents, links: linkRows };
  const links = activeLinks(linkRows, cipher);
  return {
    policyVersion,
    policy: compileSnapshot(snapshot),
    devices: new Map(deviceRows.map((d) => [d.deviceId, d])),
    devicesByHome: byHome(deviceRows),
    linksByHome: byHome(links),
    linkById: new Map(links.map((l) => [l.linkId, l])),
    loadedAt: Date.now(),
    origin: "loaded",
    termsKey: termsKey(snapshot),
  };
}

/** Changes logged at a time (migrations 0020, 0023, 0024), so a catching-up worker reads a bounded page. */
const CHANGES_PAGE = 1_000;

/**
 * Past this many homes' links and devices to read again (a fleet imported, say), loading whole is
 * the cheaper way, and the maps are built afresh instead of layered.
 */
export const MAX_HOMES_APPLIED = 10_000;

/**
 * `world` brought up to date by applying the changes logged since it (a new World: the old one is
 * left as it was): consents as logged, and the links, devices, terms and models they name read
 * again. Null when the log has a gap (something moved the counter with no log row: only a database
 * older than migration 0024 does that), a kind this code does not know, or more than `maxHomes`
 * homes to read again: then load whole.
 */
export async function applyChanges(db: Database, world: World, cipher?: TokenCipher | null, maxHomes = MAX_HOMES_APPLIED): Promise<World | null> {
  const rows = await db
    .select({ version: policyChanges.version, kind: policyChanges.kind, consents: policyChanges.consents, homes: policyChanges.homes })
    .from(policyChanges)
    .where(gt(policyChanges.version, world.policyVersion))
    .orderBy(asc(policyChanges.version))
    .limit(CHANGES_PAGE);
  if (rows.length === 0) return null;
  const consents: ConsentChange[] = [];
  const linkHomes = new Set<string>();
  const deviceHomes = new Set<string>();
  let terms = false;
  let models = false;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (row.version !== world.policyVersion + 1 + i) return null;
    if (row.kind === "consents") consents.push(...(row.consents as ConsentChange[]));
    else if (row.kind === "links") for (const h of row.homes as string[]) linkHomes.add(h);
    else if (row.kind === "devices") for (const h of row.homes as string[]) deviceHomes.add(h);
    else if (row.kind === "terms") terms = true;
    // Certifications are read by model key: a model's change is a change to the terms too.
    else if (row.kind === "models") terms = models = true;
    else return null;
  }
  if (linkHomes.size + deviceHomes.size > maxHomes) return null;
  // Read after the log: they are at least as new as every change in it (a later change read early
  // is read again when its own log row comes).
  const [newTerms, linkRows, deviceRows, modelRows] = await readAll(db, [
    () => (terms ? loadPolicyTerms(db) : Promise.resolve(undefined)),
    () => (linkHomes.size ? readLinks(db, [...linkHomes]) : Promise.resolve([])),
    () => (deviceHomes.size ? readDevices(db, [...deviceHomes]) : Promise.resolve([])),
    () => (models ? readModels(db) : Promise.resolve(null)),
  ]);
  // Terms read again that came back as they were (a draft edited, say: only approved versions
  // count) change nothing, and send no partner a discovery check.
  const newTermsKey = newTerms ? termsKey(newTerms) : world.termsKey;
  const termsMoved = models || newTermsKey !== world.termsKey;
  const policy =
    termsMoved || linkHomes.size || consents.length
      ? withChanges(world.policy, { terms: termsMoved ? newTerms : undefined, links: linkHomes.size ? { homes: [...linkHomes], links: linkRows } : undefined, consents })
      : world.policy;
  if (!policy) return null;

  // The maps are layered over the old ones (layered-map.ts): copying them would cost tens of
  // milliseconds of the deciding thread per change at 100,000 homes.
  let { linksByHome, linkById, devices: deviceMap, devicesByHome } = world;
  if (linkHomes.size) [linksByHome, linkById] = withHomes(linksByHome, linkById, linkHomes, activeLinks(linkRows, cipher), (l) => l.linkId);
  if (deviceHomes.size) [devicesByHome, deviceMap] = withHomes(devicesByHome, deviceMap, deviceHomes, deviceRows, (d) => d.deviceId);
  if (modelRows) ({ devices: deviceMap, devicesByHome } = withModels(deviceMap, devicesByHome, modelRows));
  // Terms and models reach every home; otherwise only the homes named changed.
  const changedHomes = termsMoved ? undefined : [...new Set([...consents.map((c) => c.homeId), ...linkHomes, ...deviceHomes])];
  return {
    policyVersion: rows.at(-1)!.version,
    policy,
    devices: deviceMap,
    devicesByHome,
    linksByHome,
    linkById,
    loadedAt: Date.now(),
    origin: "changes applied",
    changedHomes,
    termsKey: newTermsKey,
  };
}

/**
 * A by-home map and its by-id twin with every entry of `homes` replaced by `rows` (those homes'
 * entries as they now are: a home with none has none), layered over the maps given.
 */
function withHomes<T extends { homeId: string }>(
  byHome: ReadonlyMap<string, readonly T[]>,
  byId: ReadonlyMap<string, T>,
  homes: ReadonlySet<string>,
  rows: readonly T[],
  idOf: (item: T) => string,
): [ReadonlyMap<string, readonly T[]>, ReadonlyMap<string, T>] {
  const lists = new Map<string, T[] | undefined>([...homes].map((h) => [h, undefined]));
  const ids = new Map<string, T | undefined>();
  for (const home of homes) for (const item of byHome.get(home) ?? []) ids.set(idOf(item), undefined);
  for (const item of rows) {
    ids.set(idOf(item), item);
    const list = lists.get(item.homeId);
    if (list) list.push(item);
    else lists.set(item.homeId, [item]);
  }
  return [LayeredMap.with(byHome, lists), LayeredMap.with(byId, ids)];
}

/**
 * The device maps with every device of a changed model (another key, kind, categories or name)
 * given what its model now says: one pass over the devices held (≈ 300,000 at 100,000 homes), the
 * changed ones layered over the maps.
 */
function withModels(
  deviceMap: World["devices"],
  devicesByHome: World["devicesByHome"],
  models: Map<string, ModelInfo>,
): Pick<World, "devices" | "devicesByHome"> {
  const changed = new Map<string, DeviceInfo>();
  for (const d of deviceMap.values()) {
    const m = models.get(d.modelId);
    if (!m) continue;
    const same = m.modelKey === d.modelKey && m.kind === d.kind && m.modelName === d.modelName && m.categories.length === d.categories.length && m.categories.every((c, i) => c === d.categories[i]);
    if (!same) changed.set(d.deviceId, { ...d, ...m });
  }
  if (changed.size === 0) return { devices: deviceMap, devicesByHome };
  const homes = new Map<string, DeviceInfo[]>();
  for (const d of changed.values()) if (!homes.has(d.homeId)) homes.set(d.homeId, (devicesByHome.get(d.homeId) ?? []).map((x) => changed.get(x.deviceId) ?? x));
  return { devices: LayeredMap.with(deviceMap, changed), devicesByHome: LayeredMap.with(devicesByHome, homes) };
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
 * Keeps a World current: polls the policy counter (cheap) and, when it moved, applies the changes
 * logged since (or, where the log cannot say, reloads); so consent, link, device, model, agreement
 * and certification changes reach decisions within `pollMs` plus that. (At 100,000 homes a reload
 * takes seconds and applying changes milliseconds: every change stays within a second at any size.)
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
    private readonly maxHomesApplied = MAX_HOMES_APPLIED,
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

  /** One update at a time: the changes logged since applied, or (if that cannot be, or `whole`) a reload. */
  private update(whole: boolean): Promise<World> {
    this.reloading ??= (async () => {
      const t0 = Date.now();
      try {
        const applied = !whole && this.world ? await applyChanges(this.db, this.world, this.cipher, this.maxHomesApplied) : null;
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
