// Inclusion proofs: a decision → its leaf → the Merkle path to its batch's root → the chain entry
// that carries that root → the first signed checkpoint at or after that entry.
//
// A batch of more than 64 decisions has its chunk roots stored (`decision_batch_chunks`, level 6
// of its tree): a proof then reads the decision's own chunk of 64 and takes the levels above from
// those roots, instead of reading and hashing the whole batch. The stored roots are not trusted:
// the path they give must still reach the root the chain entry carries, or the proof is invalid.
import { auditCheckpoints, auditLog, decisionBatchChunks, type Executor } from "@proviso/db";
import { and, asc, eq, gte, inArray, sql } from "drizzle-orm";
import { toExport, type CheckpointExport } from "./checkpoints";
import { decisionLeaf, type SealedDecision } from "./decisions";
import { CHUNK_SIZE, EMPTY_ROOT, merkleLevels, proofFromLevels, rootFromProof, type ProofStep } from "./merkle";
import { loadBatches, loadChunks } from "./verify";

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

/** A (sub)tree built once, however many of its decisions are asked about. */
interface Tree {
  leaves: string[];
  levels: Buffer[][];
  root: string;
  indexOf: Map<number, number>;
}

function treeOf(rows: SealedDecision[]): Tree {
  const leaves = rows.map(decisionLeaf);
  const levels = merkleLevels(leaves);
  return { leaves, levels, root: leaves.length ? levels.at(-1)![0]!.toString("hex") : EMPTY_ROOT, indexOf: new Map(rows.map((r, i) => [r.id, i])) };
}

export async function proveDecisions(db: Executor, items: { id: number; auditBatch: number }[]): Promise<Map<number, InclusionProof>> {
  const out = new Map<number, InclusionProof>();
  const batchIds = [...new Set(items.map((i) => i.auditBatch))];
  if (!batchIds.length) return out;
  const entries = await db
    .select({ seq: auditLog.seq, hash: auditLog.hash, prevHash: auditLog.prevHash, entityId: auditLog.entityId, merkleRoot: auditLog.merkleRoot })
    .from(auditLog)
    .where(and(eq(auditLog.entityType, "decision_batch"), inArray(auditLog.entityId, batchIds.map(String))));
  const entryOf = new Map(entries.map((e) => [Number(e.entityId), e]));
  const checkpoints = (await db.select().from(auditCheckpoints).where(gte(auditCheckpoints.uptoSeq, Math.min(...entries.map((e) => e.seq), Number.MAX_SAFE_INTEGER))).orderBy(asc(auditCheckpoints.uptoSeq))).map(toExport);

  // Which batches have chunk roots; the others (small, or sealed before chunks were kept) are read whole.
  const chunkRows = await db
    .select()
    .from(decisionBatchChunks)
    .where(inArray(decisionBatchChunks.auditBatch, batchIds))
    .orderBy(asc(decisionBatchChunks.auditBatch), asc(decisionBatchChunks.chunk));
  const upper = new Map<number, { roots: string[]; levels: Buffer[][] }>();
  for (const r of chunkRows) {
    const u = upper.get(r.auditBatch) ?? { roots: [], levels: [] };
    u.roots.push(r.hash);
    upper.set(r.auditBatch, u);
  }
  for (const u of upper.values()) u.levels = merkleLevels(u.roots);
  const whole = new Map<number, Tree>();
  for (const [b, rows] of await loadBatches(db, batchIds.filter((b) => !upper.has(b)))) whole.set(b, treeOf(rows));

  // Each chunked decision's position in its batch (from the (audit_batch, id) index), then each
  // chunk asked about, read and hashed once.
  const chunked = items.filter((i) => upper.has(i.auditBatch));
  const position = new Map<number, number>();
  if (chunked.length) {
    const r = (await db.execute(sql`
      select t.id, (select count(*) from decision_rows r where r.audit_batch = t.b and r.id < t.id)::int as pos
        from unnest(${sql.param(chunked.map((i) => i.id))}::bigint[], ${sql.param(chunked.map((i) => i.auditBatch))}::bigint[]) as t(id, b)`)) as unknown as {
      rows: { id: string; pos: number }[];
    };
    for (const row of r.rows) position.set(Number(row.id), row.pos);
  }
  const wanted = new Map<string, { batch: number; chunk: number }>();
  for (const item of chunked) {
    const chunk = Math.floor(position.get(item.id)! / CHUNK_SIZE);
    wanted.set(`${item.auditBatch}:${chunk}`, { batch: item.auditBatch, chunk });
  }
  const chunks = new Map<string, Tree>();
  for (const [key, rows] of await loadChunks(db, [...wanted.values()], CHUNK_SIZE)) chunks.set(key, treeOf(rows));

  for (const item of items) {
    const entry = entryOf.get(item.auditBatch) ?? null;
    let leaf: string, path: ProofStep[], root: string;
    const u = upper.get(item.auditBatch);
    if (u) {
      const chunk = Math.floor(position.get(item.id)! / CHUNK_SIZE);
      const tree = chunks.get(`${item.auditBatch}:${chunk}`)!;
      const index = tree.indexOf.get(item.id);
      if (index === undefined) continue;
      leaf = tree.leaves[index]!;
      // Inside the chunk, then from the chunk's root up through the stored roots of the others.
      path = [...proofFromLevels(tree.levels, index), ...proofFromLevels(u.levels, chunk)];
      root = u.levels.at(-1)![0]!.toString("hex");
    } else {
      const tree = whole.get(item.auditBatch);
      const index = tree?.indexOf.get(item.id);
      if (!tree || index === undefined) continue;
      leaf = tree.leaves[index]!;
      path = proofFromLevels(tree.levels, index);
      root = tree.root;
    }
    out.set(item.id, {
      decisionId: item.id,
      leaf,
      path,
      merkleRoot: root,
      entry: entry ? { seq: entry.seq, hash: entry.hash, prevHash: entry.prevHash } : null,
      checkpoint: entry ? (checkpoints.find((c) => c.uptoSeq >= entry.seq) ?? null) : null,
      valid: !!entry && entry.merkleRoot === root && rootFromProof(leaf, path) === root,
    });
  }
  return out;
}
