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
import { CATEGORIES, type DeliveryMode, FULFIL_REQUEST } from "@proviso/domain";
import { linkDiscovery, type Database, type Executor } from "@proviso/db";
import type { DeviceDescription } from "@proviso/partners";
import { allowedModes, homeInputsKey, isDiscoverable, partnerStateKey } from "@proviso/policy";
import { inArray, sql } from "drizzle-orm";
import { randomUUID } from "node:crypto";
import { RoundRunner } from "./round-runner";
import type { DeviceInfo, LinkInfo, World } from "@proviso/snapshot";

/** Outbox kinds of discovery updates (one queued per link at most: `outbox_discovery_queued_uq`). */
export const DISCOVERY_KIND = { alexa: "alexa.discovery", google: "google.request_sync" } as const;
export const isDiscoveryKind = (kind: string) => kind === DISCOVERY_KIND.alexa || kind === DISCOVERY_KIND.google;

const CATEGORY_KEYS = CATEGORIES.map((c) => c.key);
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

const digestText = (d: DeviceDescription, modes: string) => fastHash(d.name, d.room, d.modelKey, d.modelName, d.kind, [...d.categories].sort().join(","), modes);

/**
 * A 53-bit hash (cyrb53) as base-36 text, fed piece by piece (no text is built to hash). What it
 * guards against is telling a partner something twice or not at all by a collision between two
 * descriptions of one device or link: at 2^-53 a pair, far below anything else that goes wrong;
 * SHA-256 per device cost ≈ 9 µs, most of a fleet-wide check.
 */
let h1 = 0;
let h2 = 0;
function hashStart() {
  h1 = 0xdeadbeef;
  h2 = 0x41c6ce57;
}
function hashAdd(text: string) {
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  // A separator, so that ("ab", "c") and ("a", "bc") differ.
  h1 = Math.imul(h1 ^ 1, 2654435761);
  h2 = Math.imul(h2 ^ 1, 1597334677);
}
function hashEnd(): string {
  let a = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  const b = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(a ^ (a >>> 13), 3266489909);
  a = a >>> 0;
  return (4294967296 * (2097151 & b) + a).toString(36);
}
function fastHash(...parts: string[]): string {
  hashStart();
  for (const p of parts) hashAdd(p);
  return hashEnd();
}

/** deviceId → digest: what an announcement of these devices tells. */
export function announcementOf(devices: Described[]): Record<string, string> {
  return Object.fromEntries(devices.map((d) => [d.description.deviceId, d.digest]));
}

/** One digest for a link's whole announcement (what a check compares with the record). */
export const announcementDigest = (a: Record<string, string>) =>
  fastHash(
    Object.keys(a)
      .sort()
      .map((k) => `${k}=${a[k]}`)
      .join(";"),
  );

export interface DiscoveryDiff {
  /** Endpoints new or changed since the partner was last told. */
  upserts: DeviceDescription[];
  /** Endpoints the partner was told of and may no longer discover. */
  deletes: string[];
}

/** What differs between what may be told now and what was told (nothing recorded: everything is new). */
export function diffAnnouncement(current: Described[], told: Record<string, string> | undefined): DiscoveryDiff {
  const upserts = current.filter((d) => told?.[d.description.deviceId] !== d.digest).map((d) => d.description);
  const now = new Set(current.map((d) => d.description.deviceId));
  const deletes = Object.keys(told ?? {}).filter((id) => !now.has(id));
  return { upserts, deletes };
}

/** How the partner learnt it; `nothing_to_tell`: a link with no device it may discover, never told. */
export type AnnouncedVia = "discover" | "sync" | "add_or_update" | "request_sync" | "nothing_to_tell";

/** Records what a partner now knows of a link's devices (it asked, or it was told). */
export async function recordAnnouncement(db: Executor, linkId: string, devices: Record<string, string>, via: AnnouncedVia, at: Date) {
  const digest = announcementDigest(devices);
  await db
    .insert(linkDiscovery)
    .values({ linkId, devices, digest, via, announcedAt: at })
    .onConflictDoUpdate({ target: linkDiscovery.linkId, set: { devices, digest, via, announcedAt: at } });
}

export async function readAnnouncements(db: Executor, linkIds: string[]): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  for (let i = 0; i < linkIds.length; i += 1_000) {
    const rows = await db
      .select({ linkId: linkDiscovery.linkId, devices: linkDiscovery.devices })
      .from(linkDiscovery)
      .where(inArray(linkDiscovery.linkId, linkIds.slice(i, i + 1_000)));
    for (const r of rows) out.set(r.linkId, r.devices);
  }
  return out;
}

export interface DiscoveryWatchOptions {
  db: Database;
  world: () => World;
  now?: () => number;
  /** Checks at least this often, for what time alone changes (a certification running out). */
  intervalMs?: number;
  onQueued?: (n: number) => void;
  onError?: (err: Error) => void;
}

export const DEFAULT_DISCOVERY_INTERVAL_MS = 60_000;

/**
 * Compares what each Alexa and Google link may be told now with what it was told, and queues a
 * discovery update where they differ. Run after every snapshot reload (`kick`) and on a timer. Any
 * number of workers may run it: the outbox takes one queued update per link, and what was told is
 * read afresh every time (another worker may have told it since).
 */
export class DiscoveryWatch {
  /**
   * Per link, a hash of everything its description reads (the partner's state at the check's
   * moment, the home's link and consents, its devices) and the digest that gave: a link whose
   * inputs have not moved is not described again. Only what may be told is remembered; what was
   * told is read from the database every time.
   */
  private readonly described = new Map<string, { inputs: string; digest: string }>();
  private readonly runner: RoundRunner;

  constructor(private readonly opts: DiscoveryWatchOptions) {
    this.runner = new RoundRunner(async () => void (await this.round()), opts.intervalMs ?? DEFAULT_DISCOVERY_INTERVAL_MS, opts.onError);
  }

  start() {
    this.runner.start();
    void this.kick();
  }

  /** Homes whose consents alone changed since the last check (a pass over their links suffices). */
  private dirtyHomes = new Set<string>();
  private wholePending = true;

  /**
   * Asks for a check; one under way is followed by another. Resolves when the watch rests. With
   * `homes` (those whose consents alone changed), the check may look at their links only; without,
   * at every link. A check with nothing asked of it (the timer's: a certification running out
   * changes what may be told with no write) looks at every link.
   */
  kick(homes?: Iterable<string>): Promise<void> {
    if (homes) {
      let named = 0;
      for (const h of homes) {
        this.dirtyHomes.add(h);
        named++;
      }
      // No home named (a change to nothing partners are told of, a draft's terms say): no check.
      if (named === 0) return this.runner.idle();
    } else this.wholePending = true;
    return this.runner.kick();
  }

  private async round(): Promise<number> {
    const whole = this.wholePending;
    const scoped = !whole && this.dirtyHomes.size > 0 ? this.dirtyHomes : undefined;
    this.dirtyHomes = new Set();
    this.wholePending = false;
    try {
      // Nothing asked of it: the timer's round, for what time alone moves.
      return await this.check(scoped, { timed: !whole && !scoped });
    } catch (err) {
      // What this round was asked to look at is not known to be in step: the next looks at every
      // link afresh (a timed round would trust what it had described).
      this.wholePending = true;
      throw err;
    }
  }

  /** Per partner, its state (`partnerStateKey`) when the last whole or timed check ran. */
  private partnerKeys = new Map<string, string>();

  /** What the last check did: links it looked at, links whose inputs it hashed, links it described afresh. */
  lastCheck = { links: 0, hashed: 0, described: 0 };

  /**
   * One pass over every link (or only the links of `homes`): how many updates it queued. `timed`
   * (the timer's check, for what time alone moves: a certification running out, a version coming
   * into force): a link whose partner's state is as at the last whole or timed check, and that was
   * described since, is not hashed again (what a home may be told moves only with a change the
   * snapshot applies, and each of those kicks a check of its homes); only what it was told is
   * compared, so a refused or lost update is queued again. At 100,000 homes that is the told
   * digests' read instead of every link's devices hashed a minute.
   */
  async check(homes?: Iterable<string>, opts: { timed?: boolean } = {}): Promise<number> {
    const world = this.opts.world();
    const now = (this.opts.now ?? Date.now)();
    const links = homes ? [...new Set(homes)].flatMap((h) => world.linksByHome.get(h) ?? []) : [...world.linkById.values()];
    const toldQuery = this.opts.db.select({ linkId: linkDiscovery.linkId, digest: linkDiscovery.digest }).from(linkDiscovery);
    const toldRows = !homes ? await toldQuery : links.length ? await toldQuery.where(inArray(linkDiscovery.linkId, links.map((l) => l.linkId))) : [];
    const told = new Map(toldRows.map((r) => [r.linkId, r.digest]));
    const describer = new Describer(world, now);
    const partnerKeys = new Map<string, string>();
    const behind: { link: LinkInfo; devices: Described[] }[] = [];
    const stats = { links: 0, hashed: 0, described: 0 };
    let n = 0;
    for (const link of links) {
      if (link.adapter !== "alexa" && link.adapter !== "google") continue;
      // A large fleet's check is long: let ingest and delivery run between links.
      if (++n % 500 === 0) await new Promise((r) => setImmediate(r));
      stats.links++;
      let partnerKey = partnerKeys.get(link.partnerId);
      if (partnerKey === undefined) partnerKeys.set(link.partnerId, (partnerKey = partnerStateKey(world.policy, link.partnerId, now)));
      let known = opts.timed && partnerKey === this.partnerKeys.get(link.partnerId) ? this.described.get(link.linkId) : undefined;
      let devices: Described[] | undefined;
      if (known === undefined) {
        stats.hashed++;
        const inputs = inputsOf(world, link, partnerKey);
        known = this.described.get(link.linkId);
        if (known?.inputs !== inputs) {
          stats.described++;
          devices = describer.discoverableDevices(link);
          known = { inputs, digest: announcementDigest(announcementOf(devices)) };
          this.described.set(link.linkId, known);
        }
      }
      if (told.get(link.linkId) !== known.digest) behind.push({ link, devices: devices ?? describer.discoverableDevices(link) });
    }
    if (!homes) {
      for (const id of this.described.keys()) if (!world.linkById.has(id)) this.described.delete(id);
      // Every link of these partners is now described as of these states (a scoped check covers
      // only its homes, so it leaves them be).
      for (const [partnerId, key] of partnerKeys) this.partnerKeys.set(partnerId, key);
    }
    this.lastCheck = stats;
    if (behind.length === 0) return 0;
    const recorded = await readAnnouncements(this.opts.db, behind.map((b) => b.link.linkId));
    const updates = behind.map((b) => ({ link: b.link, diff: diffAnnouncement(b.devices, recorded.get(b.link.linkId)) }));
    const queued = await queueDiscoveryUpdates(this.opts.db, updates, new Date(now));
    if (queued) this.opts.onQueued?.(queued);
    return queued;
  }

  stop(): Promise<void> {
    return this.runner.stop();
  }
}

/** A hash of everything a link's description reads: the partner's state, the home's link and consents, its devices. */
function inputsOf(world: World, link: LinkInfo, partnerKey: string): string {
  hashStart();
  hashAdd(partnerKey);
  hashAdd(homeInputsKey(world.policy, link.partnerId, link.homeId, CATEGORY_KEYS));
  for (const d of world.devicesByHome.get(link.homeId) ?? []) {
    hashAdd(d.deviceId);
    hashAdd(d.modelKey);
    hashAdd(d.name);
    hashAdd(d.room);
    hashAdd(d.modelName);
    hashAdd(d.kind);
    for (const c of d.categories) hashAdd(c);
  }
  return hashEnd();
}

/** Queues one discovery update per link (none where one is already queued). Returns how many. */
export async function queueDiscoveryUpdates(db: Executor, updates: { link: LinkInfo; diff: DiscoveryDiff }[], at: Date): Promise<number> {
  if (updates.length === 0) return 0;
  const result = await db.execute(sql`
    insert into outbox (message_id, partner_id, link_id, home_id, kind, category_keys, payload, observed_at, created_at, next_attempt_at)
    select mid, partner, link, home, kind, '{}'::text[], payload, ${at}::timestamptz, ${at}::timestamptz, ${at}::timestamptz
      from unnest(${sql.param(updates.map(() => randomUUID()))}::uuid[], ${sql.param(updates.map((u) => u.link.partnerId))}::text[],
                  ${sql.param(updates.map((u) => u.link.linkId))}::uuid[], ${sql.param(updates.map((u) => u.link.homeId))}::uuid[],
                  ${sql.param(updates.map((u) => DISCOVERY_KIND[u.link.adapter as "alexa" | "google"]))}::text[],
                  ${sql.param(updates.map((u) => JSON.stringify({ noticed: { upserts: u.diff.upserts.map((d) => d.deviceId), deletes: u.diff.deletes } })))}::json[])
           as t(mid, partner, link, home, kind, payload)
    on conflict (link_id, kind) where status in ('pending', 'retrying') and kind in ('alexa.discovery', 'google.request_sync') do nothing`);
  return (result as unknown as { rowCount: number | null }).rowCount ?? 0;
}
