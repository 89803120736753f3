// Signed checkpoints that chain: each signs "entry `uptoSeq` of Proviso's audit log has hash
// `headHash`, and follows the checkpoint of entry `prevSeq` with hash `prevHash`", at a time, with
// key `keyId` (Ed25519, keys.ts). Before signing, the signer proves the head extends the last
// checkpoint by recomputing every entry since it, and refuses otherwise (CheckpointRefused): a chain
// shortened or rewritten behind a checkpoint is never signed. Exported as JSON, a checkpoint can be
// handed to a regulator or a partner; anyone with the public key checks it and its predecessor
// (checkpoint-format.ts). Witnesses hold copies the database's operator cannot rewrite.
export { checkpointMessage, checkSignature, toExport, type CheckpointExport } from "./checkpoint-format";
import { auditCheckpoints, auditHead, auditLog, type Executor } from "@proviso/db";
import { and, asc, desc, eq, gt, lte } from "drizzle-orm";
import { entryHash, GENESIS_HASH } from "./chain";
import { checkpointMessage, checkSignature, toExport, type CheckpointExport } from "./checkpoint-format";
import { keyring, type Keyring, type Signer } from "./keys";
import { contradiction, witnessLabel, WitnessUnreadable, type Witness } from "./witness";

/** The signer would not sign: the chain does not extend the last checkpoint (or that checkpoint is not trusted). */
export class CheckpointRefused extends Error {
  override name = "CheckpointRefused";
  constructor(
    /** The entry where the chain stops agreeing with the last checkpoint, where known. */
    readonly seq: number | null,
    message: string,
  ) {
    super(message);
  }
}

const refuse = (seq: number | null, message: string): never => {
  throw new CheckpointRefused(seq, message);
};

/**
 * Signs the chain's current head, chained to the last checkpoint; returns null when nothing was
 * appended since (and the signer's key already signed it). With a keyring, the last checkpoint must
 * be signed by a trusted key. Throws CheckpointRefused when the head does not extend it.
 */
export async function createCheckpoint(
  db: Executor,
  signer: Signer,
  now = new Date(),
  opts: { trusted?: Keyring; witnessed?: readonly (CheckpointExport & { heldBy?: string })[] } = {},
): Promise<CheckpointExport | null> {
  const [head] = await db.select().from(auditHead).where(eq(auditHead.id, 1));
  if (!head || head.seq === 0) return null;
  // What the witnesses hold must still be in the log: a history cut short or forked is never signed over.
  if (opts.witnessed?.length) {
    const contradicted = await contradiction(db, opts.witnessed, opts.trusted ?? keyring([signer.publicKey]));
    if (contradicted) refuse(contradicted.seq, contradicted.message);
  }
  const [last] = await db.select().from(auditCheckpoints).orderBy(desc(auditCheckpoints.uptoSeq), desc(auditCheckpoints.id)).limit(1);
  if (last) {
    const cp = toExport(last);
    if (opts.trusted) {
      const bad = checkSignature(cp, opts.trusted);
      if (bad) refuse(last.uptoSeq, `the last checkpoint (${last.id}) does not verify: ${bad}`);
    }
    if (last.uptoSeq === head.seq && last.headHash === head.hash && last.keyId === signer.keyId) return null;
    await proveExtends(db, last, head);
  }
  const row = {
    version: 2,
    uptoSeq: head.seq,
    headHash: head.hash,
    prevSeq: last?.uptoSeq ?? 0,
    prevHash: last?.headHash ?? GENESIS_HASH,
    keyId: signer.keyId,
    publicKey: signer.publicKey,
    createdAt: now,
  };
  const signature = await signer.sign(checkpointMessage({ ...row, format: "proviso-audit-checkpoint/v2", createdAt: now.toISOString() }));
  // One successor per checkpoint (a unique index): a signer that raced another on the same
  // predecessor inserts nothing — the other's checkpoint stands, and the chain does not fork.
  const [inserted] = await db
    .insert(auditCheckpoints)
    .values({ ...row, prevId: last?.id ?? null, signature })
    .onConflictDoNothing()
    .returning();
  return inserted ? toExport(inserted) : null;
}

/**
 * That the head extends the checkpoint: the entry it signed still has its hash, and every entry
 * after it follows from it up to the head (each hash recomputed). Names the first that does not.
 */
async function proveExtends(db: Executor, last: typeof auditCheckpoints.$inferSelect, head: { seq: number; hash: string }) {
  if (head.seq < last.uptoSeq)
    refuse(head.seq + 1, `the chain's head is entry #${head.seq}, behind checkpoint ${last.id} at entry #${last.uptoSeq}: entries were removed`);
  const [signed] = await db.select({ hash: auditLog.hash }).from(auditLog).where(eq(auditLog.seq, last.uptoSeq));
  if (!signed) refuse(last.uptoSeq, `entry #${last.uptoSeq}, which checkpoint ${last.id} signed, is missing: entries were removed`);
  if (signed!.hash !== last.headHash)
    refuse(last.uptoSeq, `entry #${last.uptoSeq} no longer has the hash checkpoint ${last.id} signed: the chain was rewritten up to there`);
  let prev = last.headHash;
  for (let cursor = last.uptoSeq; cursor < head.seq;) {
    const page = await db
      .select()
      .from(auditLog)
      .where(and(gt(auditLog.seq, cursor), lte(auditLog.seq, head.seq)))
      .orderBy(asc(auditLog.seq))
      .limit(5_000);
    if (page.length === 0) break;
    for (const e of page) {
      if (e.seq !== cursor + 1) refuse(cursor + 1, `entry #${cursor + 1} is missing (the next is #${e.seq})`);
      const { seq, at, actorId, action, entityType, entityId, details, merkleRoot } = e;
      if (e.prevHash !== prev || entryHash(prev, { seq, at, actorId, action, entityType, entityId, details, merkleRoot }) !== e.hash)
        refuse(seq, `entry #${seq} (${action}) does not follow from checkpoint ${last.id}: it was altered, or entries before it were`);
      prev = e.hash;
      cursor = seq;
    }
  }
  if (prev !== head.hash) refuse(head.seq, `the chain's head says entry #${head.seq} has a hash the entries do not give: the head was rewritten`);
}

export async function listCheckpoints(db: Executor, limit = 50) {
  const rows = await db.select().from(auditCheckpoints).orderBy(desc(auditCheckpoints.uptoSeq), desc(auditCheckpoints.id)).limit(limit);
  return rows.map(toExport);
}

/**
 * Hands each witness the latest checkpoints it does not hold yet; what failed, per witness (asked
 * again next time). `held`: what the witnesses were just read to hold (readWitnesses), so they are
 * not read twice in one tick.
 */
export async function publishCheckpoints(
  db: Executor,
  witnesses: readonly Witness[],
  opts: { limit?: number; held?: readonly (CheckpointExport & { heldBy: string })[] } = {},
): Promise<{ published: number; errors: string[] }> {
  if (witnesses.length === 0) return { published: 0, errors: [] };
  const cps = (await listCheckpoints(db, opts.limit ?? 20)).reverse();
  let published = 0;
  const errors: string[] = [];
  for (const w of witnesses) {
    try {
      // A witness partly unreadable still takes new checkpoints (the rest of what it holds is reported).
      const copies = opts.held
        ? opts.held.filter((c) => c.heldBy === witnessLabel(w))
        : await w.read().catch((err: unknown) => {
            if (!(err instanceof WitnessUnreadable)) throw err;
            errors.push(`${w.name}: ${err.message}`);
            return err.held;
          });
      const held = new Set(copies.map((c) => c.id));
      for (const cp of cps.filter((c) => !held.has(c.id))) {
        await w.publish(cp);
        published++;
      }
    } catch (err) {
      errors.push(`${w.name}: ${(err as Error).message}`);
    }
  }
  return { published, errors };
}
