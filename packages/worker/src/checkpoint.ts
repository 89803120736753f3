// The scheduler's signed checkpoint of the audit chain, time-stamped and handed to the witnesses. The signer proves the chain's head extends
// the last checkpoint before it signs; when it does not (a tail deleted, entries rewritten), it
// refuses, loudly: an alert for legal, a metric, and an error in the log — every tick until someone
// looks, never a checkpoint over the rewritten chain. Each checkpoint then goes to the witnesses,
// whose copies a later cut (checkpoints deleted with the entries) cannot reach.
import {
  CheckpointRefused,
  createCheckpoint,
  publishCheckpoints,
  readWitnesses,
  stampCheckpoints,
  MAX_STAMP_DELAY_MS,
  verifySinceLastVerified,
  type Keyring,
  type Signer,
  type TimestampAuthority,
  type Witness,
} from "@proviso/audit";
import { raiseIntegrityAlert } from "@proviso/core";
import type { Database } from "@proviso/db";

/** What both evidence ticks work with: the keys, the witnesses and time-stamp authorities, the clock and the log. */
export interface EvidenceTick {
  trusted: Keyring;
  witnesses: readonly Witness[];
  authorities: readonly TimestampAuthority[];
  now: Date;
  info: (m: string) => void;
  warn: (subsystem: string, e: Error) => void;
}

export async function signCheckpoint(db: Database, o: EvidenceTick & { signer: Signer; onRefused?: () => void }): Promise<void> {
  // What the witnesses hold is checked before signing (one that cannot be read is an alert, not a stop), read once a tick.
  const witnessed = await witnessesRead(db, o.witnesses, o.now);
  try {
    const cp = await createCheckpoint(db, o.signer, o.now, { trusted: o.trusted, witnessed });
    if (cp) o.info(`audit checkpoint ${cp.id} signed: entry #${cp.uptoSeq} (key ${cp.keyId}), following entry #${cp.prevSeq}`);
  } catch (err) {
    if (!(err instanceof CheckpointRefused)) throw err;
    o.onRefused?.();
    console.error(`AUDIT INTEGRITY: checkpoint refused at entry #${err.seq ?? "?"}: ${err.message}`);
    await raiseIntegrityAlert(db, `Checkpoint refused: ${err.message}`, o.now);
  }
  // Time-stamped and handed to the witnesses: the new checkpoint, and any an authority or a witness missed while down.
  const stamps = await stampCheckpoints(db, o.authorities, { now: o.now });
  if (stamps.stamped) o.info(`${stamps.stamped} checkpoint(s) time-stamped`);
  for (const e of stamps.errors) o.warn("time-stamping", new Error(e));
  const handed = await publishCheckpoints(db, o.witnesses, { held: witnessed });
  for (const e of handed.errors) o.warn("witnesses", new Error(e));
}

/**
 * The scheduled check: verifies what came after the last checkpoint a verification found good
 * (witnesses and time-stamps included). A failure is an alert for legal, a metric and an error.
 */
export async function verifyTick(db: Database, o: EvidenceTick & { signer: Signer | null; whole?: boolean; onFailed?: () => void }): Promise<void> {
  const witnessed = await witnessesRead(db, o.witnesses, o.now);
  const timestamps = o.authorities.length ? { authorities: o.authorities, requireOlderThan: new Date(o.now.getTime() - MAX_STAMP_DELAY_MS) } : undefined;
  const r = await verifySinceLastVerified(db, { signer: o.signer, trusted: o.trusted, witnessed, timestamps, now: o.now, whole: o.whole });
  if (r.ok) {
    if (r.entries) o.info(`audit chain verified: ${r.entries} entries since #${r.since ?? 0}, ${r.checkpoints} checkpoints (${r.ms} ms)`);
    return;
  }
  o.onFailed?.();
  console.error(`AUDIT INTEGRITY: verification failed at entry #${r.failure!.seq ?? "?"}: ${r.failure!.message}`);
  await raiseIntegrityAlert(db, `Verification failed at entry #${r.failure!.seq ?? "?"}: ${r.failure!.message}`, o.now);
}

/** What the witnesses hold; a witness that cannot be read (whole or in part) is an alert for legal: its copies are the evidence. */
async function witnessesRead(db: Database, witnesses: readonly Witness[], now: Date) {
  const held = await readWitnesses(witnesses);
  for (const problem of held.unreadable) {
    console.error(`AUDIT INTEGRITY: a witness cannot be read: ${problem}`);
    await raiseIntegrityAlert(db, `A witness cannot be read: ${problem}`, now);
  }
  return held;
}
