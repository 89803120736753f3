// Gathers reports from MQTT and HTTP into batches, commits each batch in one transaction, and only
// then acknowledges its reports (MQTT PUBACK, HTTP response). A failed commit keeps the batch and
// tries again: nothing is acknowledged that is not stored.
import type { Database } from "@proviso/db";
import { detectConnectivity } from "./connectivity";
import { ingestReports, type IncomingReport, type IngestResult } from "./ingest";
import { LastSent } from "./last-sent";
import { parseStateReport } from "./validate";
import type { World } from "./world";

interface Pending {
  item: IncomingReport;
  done: (ok: true) => void;
}

export interface IngestBufferOptions {
  db: Database;
  world: () => World;
  /** The snapshot checked against the database just now (the worker's WorldCache.fresh). */
  freshWorld?: () => Promise<World>;
  maxBatch?: number;
  maxWaitMs?: number;
  /**
   * Batches committed at once. On PostgreSQL two overlap the engine's work with the database's
   * (5.3k → 8.5k changes/s measured); the embedded database takes one connection, so one.
   */
  lanes?: number;
  /** What was last sent, as rebuilt from the ledger at start (`loadLastSent`). */
  lastSent?: LastSent;
  onBatch?: (r: IngestResult, size: number, ms: number) => void;
  onError?: (err: Error) => void;
}

export class IngestBuffer {
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private readonly lastSent: LastSent;
  private stopped = false;

  constructor(private readonly opts: IngestBufferOptions) {
    this.lastSent = opts.lastSent ?? new LastSent();
  }

  /** Parses and queues one raw report; resolves once it is committed (accepted or quarantined). */
  submit(raw: string | Buffer, source: "mqtt" | "http", topic?: string): Promise<IncomingReport> {
    const now = Date.now();
    const topicDevice = topic ? topic.split("/")[3] : undefined;
    const text = raw.toString();
    const parsed = parseStateReport(raw, now, topicDevice);
    const item: IncomingReport = parsed.ok
      ? { source, topic, raw: text, report: parsed.report }
      : { source, topic, raw: text, rejection: parsed.rejection };
    return new Promise((resolve) => {
      this.pending.push({ item, done: () => resolve(item) });
      if (this.pending.length >= (this.opts.maxBatch ?? 1000)) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.opts.maxWaitMs ?? 20);
    });
  }

  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (!this.flushing) {
      const lanes = Array.from({ length: this.opts.lanes ?? 1 }, () => this.drain());
      this.flushing = Promise.all(lanes)
        .then(() => undefined)
        .finally(() => {
          this.flushing = null;
          if (this.pending.length && !this.stopped) this.timer ??= setTimeout(() => void this.flush(), this.opts.maxWaitMs ?? 20);
        });
    }
    return this.flushing;
  }

  private async drain() {
    while (this.pending.length) {
      const batch = this.pending.splice(0, this.opts.maxBatch ?? 1000);
      const t0 = Date.now();
      try {
        const world = this.opts.freshWorld ? await this.opts.freshWorld() : this.opts.world();
        const result = await ingestReports(this.opts.db, world, batch.map((p) => p.item), new Date(), this.lastSent);
        this.opts.onBatch?.(result, batch.length, Date.now() - t0);
        for (const p of batch) p.done(true);
      } catch (err) {
        // Keep the batch in front and try again shortly (the database may be restarting).
        this.pending.unshift(...batch);
        this.opts.onError?.(err as Error);
        await new Promise((r) => setTimeout(r, 1_000));
        if (this.stopped) return;
      }
    }
  }

  /** Marks devices silent for `silentMs` unreachable (and heard-from ones reachable again). */
  async checkConnectivity(silentMs: number): Promise<IngestResult | null> {
    const r = await detectConnectivity(this.opts.db, this.opts.world(), new Date(), silentMs, this.lastSent);
    if (r) this.opts.onBatch?.(r, r.accepted, 0);
    return r;
  }

  async stop() {
    this.stopped = true;
    await this.flush();
  }
}
