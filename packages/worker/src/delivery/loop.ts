// The delivery loop as the worker runs it: rounds of `deliverDue`, started by a kick (after an
// ingest batch queued messages) and by its own timer (for retries coming due). Rounds run back to back
// while a round claims a full batch or a kick came in during it, so a message committed while a
// round is under way goes in the next round rather than waiting for the next batch or tick.
import { deliverDue, type DeliveryDeps, type DeliveryResult } from "./deliver";
import { RoundRunner } from "../lib/round-runner";

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
  private readonly runner: RoundRunner;
  /** Rounds run so far. */
  rounds = 0;

  constructor(private readonly opts: DeliveryLoopOptions) {
    this.runner = new RoundRunner(
      async () => {
        const batchSize = this.opts.batchSize ?? DEFAULT_DELIVERY_BATCH;
        const r = await deliverDue({ ...this.opts, batchSize });
        this.rounds++;
        this.opts.onRound?.(r);
        return r.claimed >= batchSize;
      },
      opts.intervalMs ?? DEFAULT_DELIVERY_INTERVAL_MS,
      opts.onError,
    );
  }

  /** Kicks the loop every `intervalMs` until stopped (kicks alone need no start). */
  start() {
    this.runner.start();
  }

  /** Starts rounds, or asks for one more after the round under way; resolves when the loop rests. */
  kick(): Promise<void> {
    return this.runner.kick();
  }

  /** No new rounds; resolves once the round under way has ended. */
  stop(): Promise<void> {
    return this.runner.stop();
  }
}
