// Gathers reports from MQTT and HTTP into batches, commits each batch in one transaction, and only
// then acknowledges its reports (MQTT PUBACK, HTTP response). A failed commit keeps the batch and
// tries again: nothing is acknowledged that is not stored. Batches are written in lanes side by
// side; a device belongs to one lane, so its reports commit in the order they came, and two lanes
// of one worker never wait on each other's row locks.
import { deviceIdOfTopic } from "@proviso/domain";
import { sqlStateOf, type Database } from "@proviso/db";
import { detectConnectivity } from "./connectivity";
import type { Adapters } from "@proviso/partners";
import type { World } from "@proviso/snapshot";
import { ingestReports } from "./ingest";
import { ShadowCache } from "./shadow-cache";
import type { IncomingReport, IngestResult } from "./types";
import { parseStateReport } from "./validate";

interface Pending {
  item: IncomingReport;
  /** The submitter's promise, resolved with `item` once committed (the promise's own function: no closure per report). */
  resolve: (item: IncomingReport) => void;
  committed?: boolean;
}

/**
 * Reports per batch, at most. Each batch costs the database ≈ 2–3 ms whatever its size (planning
 * the one statement, the audit entry, the commit): batches of 2,000 instead of 1,000 took
 * PostgreSQL's CPU per change from ≈ 25–28 µs to ≈ 23–25 and the bench from ≈ 24,300–25,400 to
 * ≈ 25,000–29,000 changes/s (500 made ≈ 22,000; 3,000–4,000 ≈ 27,000). A batch waits at most
 * `maxWaitMs` to fill, so at a few reports a second batches stay small and latency does not move.
 */
export const DEFAULT_MAX_BATCH = 2_000;

export interface IngestBufferOptions {
  db: Database;
  world: () => World;
  adapters: Adapters;
  /** The snapshot checked against the database just now (the worker's WorldCache.fresh). */
  freshWorld?: () => Promise<World>;
  maxBatch?: number;
  maxWaitMs?: number;
  /**
   * Batches committed at once, each lane holding its own devices. On PostgreSQL lanes overlap the
   * engine's work with the database's; the embedded database takes one connection, so one.
   */
  lanes?: number;
  /** The shadows this worker last wrote (one cache per worker: a fresh one by default). */
  shadows?: ShadowCache;
  onBatch?: (r: IngestResult, size: number, ms: number) => void;
  onError?: (err: Error) => void;
}

export class IngestBuffer {
  /** One queue per lane; a device's reports always go to the same lane (`laneOf`). */
  private readonly queues: Pending[][];
  private readonly draining: (Promise<void> | null)[];
  private inBatches = 0;
  private timer: NodeJS.Timeout | null = null;
  readonly shadows: ShadowCache;
  private stopped = false;

  constructor(private readonly opts: IngestBufferOptions) {
    this.shadows = opts.shadows ?? new ShadowCache();
    const lanes = Math.max(1, opts.lanes ?? 1);
    this.queues = Array.from({ length: lanes }, () => []);
    this.draining = new Array(lanes).fill(null);
  }

  /** Reports not yet committed (queued or in a batch being written). */
  get pending(): number {
    let n = 0;
    for (const q of this.queues) n += q.length;
    return n + this.inBatches;
  }

  /**
   * Parses and queues one raw report; resolves once it is committed (accepted or quarantined).
   * `mayReport` says which devices the sender may speak for (HTTP: its credential's scope; over
   * MQTT the broker has already held each device to its own topic).
   */
  submit(raw: string | Buffer, source: "mqtt" | "http", topic?: string, mayReport?: (deviceId: string) => boolean): Promise<IncomingReport> {
    const now = Date.now();
    const topicDevice = topic ? deviceIdOfTopic(topic) : undefined;
    let parsed = parseStateReport(raw, now, topicDevice);
    if (parsed.ok && mayReport && !mayReport(parsed.report.deviceId)) {
      const deviceRef = parsed.report.deviceId;
      parsed = { ok: false, rejection: { code: "UNAUTHORIZED_DEVICE", reason: `this credential may not speak for device ${deviceRef}`, deviceRef } };
    }
    const item: IncomingReport = parsed.ok ? { source, topic, raw, report: parsed.report } : { source, topic, raw, rejection: parsed.rejection };
    const lane = laneOf(parsed.ok ? parsed.report.deviceId : (parsed.rejection.deviceRef ?? ""), this.queues.length);
    return new Promise((resolve) => {
      const queue = this.queues[lane]!;
      queue.push({ item, resolve });
      if (queue.length >= (this.opts.maxBatch ?? DEFAULT_MAX_BATCH)) void this.drainLane(lane);
      else this.timer ??= setTimeout(() => void this.flush(), this.opts.maxWaitMs ?? 20);
    });
  }

  /** Starts every lane that has reports waiting; resolves when all of them are written. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    return Promise.all(this.queues.map((q, lane) => (q.length ? this.drainLane(lane) : this.draining[lane]))).then(() => undefined);
  }

  /**
   * Writes a lane's batches one after another, so a device's reports commit in the order they
   * came. Lanes run side by side: while one waits on the database, another is being decided.
   */
  private drainLane(lane: number): Promise<void> {
    const running = this.draining[lane];
    if (running) return running;
    const run = this.drain(lane).finally(() => {
      this.draining[lane] = null;
      if (this.queues[lane]!.length && !this.stopped) this.timer ??= setTimeout(() => void this.flush(), this.opts.maxWaitMs ?? 20);
    });
    this.draining[lane] = run;
    return run;
  }

  private async drain(lane: number) {
    const queue = this.queues[lane]!;
    while (queue.length) {
      const batch = queue.splice(0, this.opts.maxBatch ?? DEFAULT_MAX_BATCH);
      this.inBatches += batch.length;
      try {
        const world = this.opts.freshWorld ? await this.opts.freshWorld() : this.opts.world();
        await this.commit(batch, world);
      } catch (err) {
        // Keep what is not committed in front and try again shortly (the database may be restarting).
        queue.unshift(...batch.filter((p) => !p.committed));
        this.opts.onError?.(err as Error);
        await new Promise((r) => setTimeout(r, 1_000));
        if (this.stopped) return;
      } finally {
        this.inBatches -= batch.length;
      }
    }
  }

  /**
   * Commits `batch` and acknowledges its reports. A batch the database refuses for a reason that
   * lies in its data (`isLastingError`: it would be refused again) is split in halves, in order,
   * until the report it cannot store is alone; that one is quarantined with the database's words
   * (`UNSTORABLE`), and the rest go on. Any other failure is thrown: the caller tries again.
   */
  private async commit(batch: Pending[], world: World): Promise<void> {
    const t0 = Date.now();
    try {
      const result = await ingestReports(this.opts.db, {
        world,
        adapters: this.opts.adapters,
        reports: batch.map((p) => p.item),
        now: new Date(),
        shadows: this.shadows,
      });
      this.opts.onBatch?.(result, batch.length, Date.now() - t0);
      for (const p of batch) {
        p.committed = true;
        p.resolve(p.item);
      }
    } catch (err) {
      if (!isLastingError(err)) throw err;
      if (batch.length > 1) {
        const half = batch.length >> 1;
        await this.commit(batch.slice(0, half), world);
        await this.commit(batch.slice(half), world);
        return;
      }
      const p = batch[0]!;
      // Already a rejection that could not be stored either: nothing left to isolate.
      if (p.item.rejection) throw err;
      const reason = `the database refused it: ${messageOf(err)}`;
      p.item = { ...p.item, report: undefined, rejection: { code: "UNSTORABLE", reason, deviceRef: p.item.report?.deviceId ?? null } };
      await this.commit(batch, world);
    }
  }

  /** Marks devices silent for `silentMs` unreachable (and heard-from ones reachable again). */
  async checkConnectivity(silentMs: number): Promise<IngestResult | null> {
    const r = await detectConnectivity(this.opts.db, {
      world: this.opts.world(),
      adapters: this.opts.adapters,
      now: new Date(),
      silentMs,
      shadows: this.shadows,
    });
    if (r) this.opts.onBatch?.(r, r.accepted, 0);
    return r;
  }

  async stop() {
    this.stopped = true;
    await this.flush();
  }
}

/** A device's lane: the same one for every report of the device (a hash of its id's last characters). */
export function laneOf(deviceId: string, lanes: number): number {
  if (lanes <= 1) return 0;
  let h = 0;
  for (let i = Math.max(0, deviceId.length - 8); i < deviceId.length; i++) h = (h * 31 + deviceId.charCodeAt(i)) | 0;
  return (h >>> 0) % lanes;
}

/**
 * Whether a failure lies in the data written (the same batch would fail again): a data exception,
 * an integrity violation or a limit the database reports (SQLSTATE classes 22, 23, 54), or a value
 * out of range for its column here. A lost connection, a restart, a deadlock or a bug may pass.
 */
function isLastingError(err: unknown): boolean {
  if (/^(22|23|54)/.test(sqlStateOf(err) ?? "")) return true;
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) if (e instanceof RangeError) return true;
  return false;
}

/** The innermost message of an error (the database's own words, not the statement that carried them). */
export function messageOf(err: unknown): string {
  let e = err as { message?: string; cause?: unknown };
  while (e.cause && typeof e.cause === "object") e = e.cause as typeof e;
  return e.message ?? String(err);
}
