// Signed checkpoints: "entry `uptoSeq` of Proviso's audit log has hash `headHash`", signed with
// Ed25519. Exported as JSON, a checkpoint can be handed to a regulator or a partner; later, anyone
// with the public key checks the signature, and `verifyChain` checks the log still agrees.
import { auditCheckpoints, auditHead, type Executor } from "@proviso/db";
import { desc, eq } from "drizzle-orm";
import { keyIdOf, verifySignature, type Signer } from "./keys";

export interface CheckpointExport {
  format: "proviso-audit-checkpoint/v1";
  id: number;
  uptoSeq: number;
  headHash: string;
  createdAt: string;
  keyId: string;
  publicKey: string;
  signature: string;
}

/** The exact text that is signed. */
export const checkpointMessage = (uptoSeq: number, headHash: string, createdAt: string) =>
  `proviso-audit-checkpoint/v1\nseq=${uptoSeq}\nhash=${headHash}\nat=${createdAt}`;

/** Signs the chain's current head; returns null when nothing was appended since the last one. */
export async function createCheckpoint(db: Executor, signer: Signer, now = new Date()): Promise<CheckpointExport | null> {
  const [head] = await db.select().from(auditHead).where(eq(auditHead.id, 1));
  if (!head || head.seq === 0) return null;
  const [last] = await db.select().from(auditCheckpoints).orderBy(desc(auditCheckpoints.uptoSeq)).limit(1);
  if (last && last.uptoSeq >= head.seq && last.keyId === signer.keyId) return null;
  const signature = signer.sign(checkpointMessage(head.seq, head.hash, now.toISOString()));
  const [row] = await db
    .insert(auditCheckpoints)
    .values({ uptoSeq: head.seq, headHash: head.hash, keyId: signer.keyId, publicKey: signer.publicKey, signature, createdAt: now })
    .returning();
  return toExport(row!);
}

export function toExport(row: typeof auditCheckpoints.$inferSelect): CheckpointExport {
  return {
    format: "proviso-audit-checkpoint/v1",
    id: row.id,
    uptoSeq: row.uptoSeq,
    headHash: row.headHash,
    createdAt: row.createdAt.toISOString(),
    keyId: row.keyId,
    publicKey: row.publicKey,
    signature: row.signature,
  };
}

/** The signature, and (if given) that it was made by the key we trust. */
export function checkSignature(
  cp: Pick<CheckpointExport, "uptoSeq" | "headHash" | "createdAt" | "keyId" | "publicKey" | "signature">,
  trustedPublicKey?: string,
): string | null {
  if (trustedPublicKey && cp.publicKey !== trustedPublicKey) return `checkpoint is signed by key ${cp.keyId}, not the trusted key ${keyIdOf(trustedPublicKey)}`;
  if (keyIdOf(cp.publicKey) !== cp.keyId) return "checkpoint's key id does not match its public key";
  if (!verifySignature(cp.publicKey, checkpointMessage(cp.uptoSeq, cp.headHash, cp.createdAt), cp.signature)) return "checkpoint signature is invalid";
  return null;
}

export async function listCheckpoints(db: Executor, limit = 50) {
  const rows = await db.select().from(auditCheckpoints).orderBy(desc(auditCheckpoints.uptoSeq), desc(auditCheckpoints.id)).limit(limit);
  return rows.map(toExport);
}
