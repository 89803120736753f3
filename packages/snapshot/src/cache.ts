// Keeps a snapshot current, for the worker: polls the policy counter, applies the change log.
import type { Database } from "@proviso/db";
import pg from "pg";
import { applyChanges, MAX_HOMES_APPLIED } from "./change-log";
import { loadWorld, readPolicyVersion } from "./load-world";
import type { TokenOpener, World } from "./world";

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
    private readonly cipher: TokenOpener | null = null,
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
