// The discovery watch: after every snapshot update and every minute, compares what each link's
// partner may be told now with what it was told, and queues a discovery update where they differ.
import { CATEGORIES } from "@proviso/domain";
import { linkDiscovery, type Database } from "@proviso/db";
import type { Adapters } from "@proviso/partners";
import { homeInputsKey, partnerStateKey } from "@proviso/policy";
import type { LinkInfo, World } from "@proviso/snapshot";
import { inArray } from "drizzle-orm";
import { RoundRunner } from "../lib/round-runner";
import { diffAnnouncement, queueDiscoveryUpdates, readAnnouncements } from "./announcements";
import { announcementOf, Describer, type Described } from "./describe";
import { announcementDigest, hashAdd, hashEnd, hashStart } from "./digest";

const CATEGORY_KEYS = CATEGORIES.map((c) => c.key);

export interface DiscoveryWatchOptions {
  db: Database;
  world: () => World;
  adapters: Adapters;
  now?: () => number;
  /** Checks at least this often, for what time alone changes (a certification running out). */
  intervalMs?: number;
  onQueued?: (n: number) => void;
  onError?: (err: Error) => void;
}

export const DEFAULT_DISCOVERY_INTERVAL_MS = 60_000;

/**
 * Compares what each link whose platform can be told of discovery (`tellsDiscovery`) may be told now with what it was told, and queues a
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
    const toldRows = !homes
      ? await toldQuery
      : links.length
        ? await toldQuery.where(
            inArray(
              linkDiscovery.linkId,
              links.map((l) => l.linkId),
            ),
          )
        : [];
    const told = new Map(toldRows.map((r) => [r.linkId, r.digest]));
    const describer = new Describer(world, now);
    const partnerKeys = new Map<string, string>();
    const behind: { link: LinkInfo; devices: Described[] }[] = [];
    const stats = { links: 0, hashed: 0, described: 0 };
    let n = 0;
    for (const link of links) {
      if (!this.opts.adapters[link.adapter].tellsDiscovery(link)) continue;
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
    const recorded = await readAnnouncements(
      this.opts.db,
      behind.map((b) => b.link.linkId),
    );
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
