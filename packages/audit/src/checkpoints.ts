// Signed checkpoints that chain: each signs "entry `uptoSeq` of Proviso's audit log has hash
// `headHash`, and follows the checkpoint of entry `prevSeq` with hash `prevHash`", at a time, with
// key `keyId` (Ed25519, keys.ts). Before signing, the signer proves the head extends the last
// checkpoint by recomputing every entry since it, and refuses otherwise (CheckpointRefused): a chain
// shortened or rewritten behind a checkpoint is never signed. Exported as JSON, a checkpoint can be
// handed to a regulator or a partner; anyone with the public key checks it and its predecessor.
import { auditCheckpoints, auditHead, auditLog, type Executor } from "@proviso/db";
import { and, asc, desc, eq, gt, lte } from "drizzle-orm";
import { entryHash, GENESIS_HASH } from "./chain";
import { keyIdOf, verifySignature, type Keyring, type Signer } from "./keys";

export interface CheckpointExport {
  format: "proviso-audit-checkpoint/v1" | "proviso-audit-checkpoint/v2";
  id: number;
  uptoSeq: number;
  headHash: string;
  /** The checkpoint this one follows (v2): its entry and hash (0 and the genesis hash for the first). */
  prevSeq: number | null;
  prevHash: string | null;
  createdAt: string;
  keyId: string;
  publicKey: string;
  signature: string;
}

type Signed = Pick<CheckpointExport, "format" | "uptoSeq" | "headHash" | "prevSeq" | "prevHash" | "createdAt" | "keyId">;

/** The exact text that is signed. */
export function checkpointMessage(cp: Signed): string {
  if (cp.format === "proviso-audit-checkpoint/v1") return `proviso-audit-checkpoint/v1\nseq=${cp.uptoSeq}\nhash=${cp.headHash}\nat=${cp.createdAt}`;
  return [
    "proviso-audit-checkpoint/v2",
    `seq=${cp.uptoSeq}`,
    `hash=${cp.headHash}`,
    `prev-seq=${cp.prevSeq ?? 0}`,
    `prev-hash=${cp.prevHash ?? GENESIS_HASH}`,
    `at=${cp.createdAt}`,
    `key=${cp.keyId}`,
  ].join("\n");
}

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
export async function createCheckpoint(db: Executor, signer: Signer, now = new Date(), opts: { trusted?: Keyring } = {}): Promise<CheckpointExport | null> {
  const [head] = await db.select().from(auditHead).where(eq(auditHead.id, 1));
  if (!head || head.seq === 0) return null;
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
  const [inserted] = await db
    .insert(auditCheckpoints)
    .values({ ...row, signature })
    .returning();
  return toExport(inserted!);
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

export function toExport(row: typeof auditCheckpoints.$inferSelect): CheckpointExport {
  const v2 = row.version >= 2;
  return {
    format: v2 ? "proviso-audit-checkpoint/v2" : "proviso-audit-checkpoint/v1",
    id: row.id,
    uptoSeq: row.uptoSeq,
    headHash: row.headHash,
    prevSeq: v2 ? (row.prevSeq ?? 0) : null,
    prevHash: v2 ? (row.prevHash ?? GENESIS_HASH) : null,
    createdAt: row.createdAt.toISOString(),
    keyId: row.keyId,
    publicKey: row.publicKey,
    signature: row.signature,
  };
}

/**
 * The signature, made by a key of the keyring (never merely the key the checkpoint carries: an
 * operator could put any key there). An empty keyring trusts nothing.
 */
export function checkSignature(cp: Signed & Pick<CheckpointExport, "publicKey" | "signature">, trusted: Keyring): string | null {
  if (trusted.size === 0)
    return "no trusted key is configured (AUDIT_SIGNING_KEY, AUDIT_SIGNER_PUBLIC_KEY or AUDIT_TRUSTED_KEYS): the key a checkpoint carries is no evidence";
  if (keyIdOf(cp.publicKey) !== cp.keyId) return "checkpoint's key id does not match its public key";
  if (trusted.get(cp.keyId) !== cp.publicKey) return `checkpoint is signed by key ${cp.keyId}, which is not a trusted key (${[...trusted.keys()].join(", ")})`;
  if (!verifySignature(cp.publicKey, checkpointMessage(cp), cp.signature)) return "checkpoint signature is invalid";
  return null;
}

export async function listCheckpoints(db: Executor, limit = 50) {
  const rows = await db.select().from(auditCheckpoints).orderBy(desc(auditCheckpoints.uptoSeq), desc(auditCheckpoints.id)).limit(limit);
  return rows.map(toExport);
}
