// The delivery loop as the worker runs it: rounds of `deliverDue`, started by a kick (after an
// ingest batch queued messages) and by its own timer (for retries coming due). Rounds run back to back
// while a round claims a full batch or a kick came in during it, so a message committed while a
// round is under way goes in the next round rather than waiting for the next batch or tick.
import { deliverDue, type DeliveryDeps, type DeliveryResult } from "./delivery";

/** Messages claimed per round, and how often the loop kicks itself once started. */
export const DEFAULT_DELIVERY_BATCH = 200;
export const DEFAULT_DELIVERY_INTERVAL_MS = 200;

export interface DeliveryLoopOptions extends DeliveryDeps {
  /** A round that claims this many (`DEFAULT_DELIVERY_BATCH`) is followed by another at once. */
  batchSize?: number;
  /** Once started, a kick this often (`DEFAULT_DELIVERY_INTERVAL_MS`). */
  intervalMs?: number;
  onRound?: (r: DeliveryResult) => void;
  /** A round that failed (the database went away, say): the loop stops until the next kick. */
  onError?: (err: Error) => void;
}

export class DeliveryLoop {
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  /** Rounds run so far. */
  rounds = 0;

  constructor(private readonly opts: DeliveryLoopOptions) {}

  /** Kicks the loop every `intervalMs` until stopped (kicks alone need no start). */
  start() {
    this.timer ??= setInterval(() => void this.kick(), this.opts.intervalMs ?? DEFAULT_DELIVERY_INTERVAL_MS);
  }

  /** Starts rounds, or asks for one more after the round under way; resolves when the loop rests. */
  kick(): Promise<void> {
    if (this.stopped) return this.running ?? Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = this.run().finally(() => {
      if (this.running === run) this.running = null;
    });
    this.running = run;
    return run;
  }

  private async run() {
    try {
      do {
        this.again = false;
        const batchSize = this.opts.batchSize ?? DEFAULT_DELIVERY_BATCH;
        const r = await deliverDue({ ...this.opts, batchSize });
        this.rounds++;
        this.opts.onRound?.(r);
        if (r.claimed >= batchSize) this.again = true;
      } while (this.again && !this.stopped);
    } catch (err) {
      this.opts.onError?.(err as Error);
    }
  }

  /** No new rounds; resolves once the round under way has ended. */
  async stop() {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
