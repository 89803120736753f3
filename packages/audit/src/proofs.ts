// Inclusion proofs: a decision → its leaf → the Merkle path to its batch's root → the chain entry
// that carries that root → the first signed checkpoint at or after that entry.
import { auditCheckpoints, auditLog, type Executor } from "@proviso/db";
import { and, asc, eq, gte, inArray } from "drizzle-orm";
import { toExport, type CheckpointExport } from "./checkpoints";
import { decisionLeaf } from "./decisions";
import { EMPTY_ROOT, merkleLevels, proofFromLevels, rootFromProof, type ProofStep } from "./merkle";
import { loadBatches } from "./verify";

export interface InclusionProof {
  decisionId: number;
  leaf: string;
  path: ProofStep[];
  merkleRoot: string;
  entry: { seq: number; hash: string; prevHash: string } | null;
  /** The first checkpoint that covers the entry; null until one is signed. */
  checkpoint: CheckpointExport | null;
  /** The leaf, path and root agree, and the entry carries that root. */
  valid: boolean;
}

export async function proveDecisions(db: Executor, items: { id: number; auditBatch: number }[]): Promise<Map<number, InclusionProof>> {
  const out = new Map<number, InclusionProof>();
  const batchIds = [...new Set(items.map((i) => i.auditBatch))];
  if (!batchIds.length) return out;
  const batches = await loadBatches(db, batchIds);
  const entries = await db
    .select({ seq: auditLog.seq, hash: auditLog.hash, prevHash: auditLog.prevHash, entityId: auditLog.entityId, merkleRoot: auditLog.merkleRoot })
    .from(auditLog)
    .where(and(eq(auditLog.entityType, "decision_batch"), inArray(auditLog.entityId, batchIds.map(String))));
  const entryOf = new Map(entries.map((e) => [Number(e.entityId), e]));
  const checkpoints = (await db.select().from(auditCheckpoints).where(gte(auditCheckpoints.uptoSeq, Math.min(...entries.map((e) => e.seq), Number.MAX_SAFE_INTEGER))).orderBy(asc(auditCheckpoints.uptoSeq))).map(toExport);
  // Each batch's tree is built once, however many of its decisions are asked about.
  const trees = new Map<number, { leaves: string[]; levels: Buffer[][]; root: string; indexOf: Map<number, number> }>();
  for (const [b, rows] of batches) {
    const leaves = rows.map(decisionLeaf);
    const levels = merkleLevels(leaves);
    trees.set(b, { leaves, levels, root: leaves.length ? levels.at(-1)![0]!.toString("hex") : EMPTY_ROOT, indexOf: new Map(rows.map((r, i) => [r.id, i])) });
  }
  for (const item of items) {
    const tree = trees.get(item.auditBatch);
    const index = tree?.indexOf.get(item.id);
    const entry = entryOf.get(item.auditBatch) ?? null;
    if (!tree || index === undefined) continue;
    const leaves = tree.leaves;
    const path = proofFromLevels(tree.levels, index);
    const root = tree.root;
    out.set(item.id, {
      decisionId: item.id,
      leaf: leaves[index]!,
      path,
      merkleRoot: root,
      entry: entry ? { seq: entry.seq, hash: entry.hash, prevHash: entry.prevHash } : null,
      checkpoint: entry ? (checkpoints.find((c) => c.uptoSeq >= entry.seq) ?? null) : null,
      valid: !!entry && entry.merkleRoot === root && rootFromProof(leaves[index]!, path) === root,
    });
  }
  return out;
}
