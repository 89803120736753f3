// Rounds of some work, one at a time: a kick during a round asks for one more after it, a round may
// ask for another itself, and once started a timer kicks too. The delivery loop and the discovery
// watch run on it.

export class RoundRunner {
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;

  /** `round` resolves true to be run again at once; a round that throws ends the rounds until the next kick. */
  constructor(
    private readonly round: () => Promise<boolean | void>,
    private readonly intervalMs: number,
    private readonly onError?: (err: Error) => void,
  ) {}

  /** Kicks every `intervalMs` until stopped (kicks alone need no start). */
  start() {
    this.timer ??= setInterval(() => void this.kick(), this.intervalMs);
  }

  /** Starts rounds, or asks for one more after the round under way; resolves when the rounds rest. */
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

  /** Resolves when the rounds under way (if any) rest; starts none. */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private async run() {
    try {
      do {
        this.again = false;
        if (await this.round()) this.again = true;
      } while (this.again && !this.stopped);
    } catch (err) {
      this.onError?.(err as Error);
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
