// Incremental verification: from the last checkpoint a verification found good, only what came
// after it — each entry's hash and each sealed batch's Merkle root, every checkpoint against its
// predecessor and the keyring, the witnesses' and time-stamps' copies — so a day's growth verifies
// in seconds however long the chain. The checkpoint it starts from is trusted only as far as it is
// signed by a trusted key and its entry still has the hash it signed; a whole verification now and
// then (legal's button, `npm run audit:verify`) re-checks everything before it. The mark is signed
// by the checkpoint signer: one set by hand (anyone who can write `app_meta`) is no mark.
import { appMeta, auditCheckpoints, auditLog, type Executor } from "@proviso/db";
import { desc, eq, lte } from "drizzle-orm";
import { entryHash } from "./chain";
import { checkSignature, toExport } from "./checkpoint-format";
import { verifySignature, type Keyring, type Signer } from "./keys";
import { verifyChain, type VerifyOptions, type VerifyReport } from "./verify";

const KEY = "audit.verified_checkpoint";

export interface VerifiedMark {
  checkpointId: number;
  uptoSeq: number;
  headHash: string;
  verifiedAt: string;
  keyId: string;
  /** Over `markText`, by the checkpoint signer. */
  signature: string;
}

const markText = (m: Omit<VerifiedMark, "signature">) =>
  `proviso-audit-verified/v1\ncheckpoint=${m.checkpointId}\nseq=${m.uptoSeq}\nhash=${m.headHash}\nat=${m.verifiedAt}\nkey=${m.keyId}`;

/** Where the last verification left off (null: never verified, or the mark no longer holds). */
export async function lastVerified(db: Executor, trusted: Keyring): Promise<VerifiedMark | null> {
  const [row] = await db.select({ value: appMeta.value }).from(appMeta).where(eq(appMeta.key, KEY));
  const mark = row?.value as VerifiedMark | undefined;
  if (!mark?.signature || !mark.keyId) return null;
  const key = trusted.get(mark.keyId);
  if (!key || !verifySignature(key, markText(mark), mark.signature)) return null;
  const [cp] = await db.select().from(auditCheckpoints).where(eq(auditCheckpoints.id, mark.checkpointId));
  if (!cp || cp.uptoSeq !== mark.uptoSeq || cp.headHash !== mark.headHash || checkSignature(toExport(cp), trusted)) return null;
  // The entry it left off at still has the hash the checkpoint signed, and its content still gives that hash.
  const [e] = await db.select().from(auditLog).where(eq(auditLog.seq, mark.uptoSeq));
  if (!e || e.hash !== mark.headHash) return null;
  const { seq, at, actorId, action, entityType, entityId, details, merkleRoot } = e;
  return entryHash(e.prevHash, { seq, at, actorId, action, entityType, entityId, details, merkleRoot }) === e.hash ? mark : null;
}

/**
 * Verifies what came after the last verified checkpoint (all of it when there is none, or its mark
 * no longer holds) and, when it holds, moves the mark to the newest checkpoint it covered.
 */
export async function verifySinceLastVerified(
  db: Executor,
  opts: Omit<VerifyOptions, "from" | "to"> & { trusted: Keyring; now?: Date; signer: Signer | null; whole?: boolean },
): Promise<VerifyReport & { since: number | null }> {
  // `whole`: from the start whatever the mark says (what a mark cannot vouch for: the range before it).
  const mark = opts.whole ? null : await lastVerified(db, opts.trusted);
  const report = await verifyChain(db, { ...opts, from: mark ? mark.uptoSeq + 1 : undefined });
  if (report.ok) {
    const [newest] = await db
      .select()
      .from(auditCheckpoints)
      .where(lte(auditCheckpoints.uptoSeq, report.to))
      .orderBy(desc(auditCheckpoints.uptoSeq), desc(auditCheckpoints.id))
      .limit(1);
    // Without a signer no mark is left: every verification is whole.
    if (newest && opts.signer && (!mark || newest.uptoSeq >= mark.uptoSeq)) {
      const unsigned = {
        checkpointId: newest.id,
        uptoSeq: newest.uptoSeq,
        headHash: newest.headHash,
        verifiedAt: (opts.now ?? new Date()).toISOString(),
        keyId: opts.signer.keyId,
      };
      const value: VerifiedMark = { ...unsigned, signature: await opts.signer.sign(markText(unsigned)) };
      await db
        .insert(appMeta)
        .values({ key: KEY, value })
        .onConflictDoUpdate({ target: appMeta.key, set: { value, updatedAt: new Date() } });
    }
  }
  return { ...report, since: mark?.uptoSeq ?? null };
}
