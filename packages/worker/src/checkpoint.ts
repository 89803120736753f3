// The scheduler's signed checkpoint of the audit chain. The signer proves the chain's head extends
// the last checkpoint before it signs; when it does not (a tail deleted, entries rewritten), it
// refuses, loudly: an alert for legal, a metric, and an error in the log — every tick until someone
// looks, never a checkpoint over the rewritten chain.
import { CheckpointRefused, createCheckpoint, type Keyring, type Signer } from "@proviso/audit";
import { raiseIntegrityAlert } from "@proviso/core";
import type { Database } from "@proviso/db";

export async function signCheckpoint(
  db: Database,
  o: { signer: Signer; trusted: Keyring; now: Date; info: (m: string) => void; onRefused?: () => void },
): Promise<void> {
  try {
    const cp = await createCheckpoint(db, o.signer, o.now, { trusted: o.trusted });
    if (cp) o.info(`audit checkpoint ${cp.id} signed: entry #${cp.uptoSeq} (key ${cp.keyId}), following entry #${cp.prevSeq}`);
  } catch (err) {
    if (!(err instanceof CheckpointRefused)) throw err;
    o.onRefused?.();
    console.error(`AUDIT INTEGRITY: checkpoint refused at entry #${err.seq ?? "?"}: ${err.message}`);
    await raiseIntegrityAlert(db, `Checkpoint refused: ${err.message}`, o.now);
  }
}
