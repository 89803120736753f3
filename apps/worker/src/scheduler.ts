// The scheduler: time-driven changes that must happen whether or not anyone is looking. Today:
// agreement versions becoming active on their effective date (superseding the previous one) and
// expiring on their expiry date. Each tick is idempotent, so several workers may run it.
import { activateDueVersions } from "@proviso/core";
import type { Database } from "@proviso/db";

export function startScheduler(db: Database, opts: { intervalMs: number; now?: () => Date }) {
  const now = opts.now ?? (() => new Date());
  let running: Promise<void> | null = null;
  const tick = () => {
    running ??= activateDueVersions(db, now())
      .then((r) => {
        for (const id of r.activated) console.log(`agreement version ${id} is now active`);
        for (const id of r.superseded) console.log(`agreement version ${id} superseded`);
        for (const id of r.expired) console.log(`agreement version ${id} expired`);
      })
      .catch((err: Error) => console.error(`scheduler: ${err.message}`))
      .finally(() => (running = null));
    return running;
  };
  const timer = setInterval(tick, opts.intervalMs);
  void tick();
  return {
    tick,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
