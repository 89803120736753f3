// The scheduler: time-driven changes that must happen whether or not anyone is looking: agreement
// versions becoming active on their effective date (superseding the previous one) and expiring on
// their expiry date, and a signed checkpoint of the audit chain at a fixed interval. Each tick is
// idempotent, so several workers may run it.
import { createCheckpoint, type Signer } from "@proviso/audit";
import { activateDueVersions } from "@proviso/core";
import type { Database } from "@proviso/db";

export function startScheduler(
  db: Database,
  opts: { intervalMs: number; now?: () => Date; signer?: Signer | null; checkpointIntervalMs?: number },
) {
  const now = opts.now ?? (() => new Date());
  let running: Promise<void> | null = null;
  let lastCheckpoint = 0;
  const work = async () => {
    const r = await activateDueVersions(db, now());
    for (const id of r.activated) console.log(`agreement version ${id} is now active`);
    for (const id of r.superseded) console.log(`agreement version ${id} superseded`);
    for (const id of r.expired) console.log(`agreement version ${id} expired`);
    if (opts.signer && Date.now() - lastCheckpoint >= (opts.checkpointIntervalMs ?? 300_000)) {
      lastCheckpoint = Date.now();
      const cp = await createCheckpoint(db, opts.signer, now());
      if (cp) console.log(`audit checkpoint ${cp.id} signed: entry #${cp.uptoSeq} (key ${cp.keyId})`);
    }
  };
  const tick = () => {
    running ??= work()
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
