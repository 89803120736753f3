// Inclusion proofs: a decision → its leaf → the Merkle path to its batch's root → the chain entry
// that carries that root → the first signed checkpoint at or after that entry. Since migration
// 0013 a leaf is a decision set (the decisions about one change): the proof gives the set's leaf
// text, the decision's place in it, and its kind, whose digest the chain entry lists.
//
// A batch of more than 64 leaves has its chunk roots stored (`decision_batch_chunks`, level 6 of
// its tree): a proof then reads the leaf's own chunk of 64 and takes the levels above from those
// roots, instead of reading and hashing the whole batch. The stored roots are not trusted: the
// path they give must still reach the root the chain entry carries, or the proof is invalid.
import { auditCheckpoints, auditLog, decisionBatchChunks, type Executor } from "@proviso/db";
import { and, asc, eq, gte, inArray, sql } from "drizzle-orm";
import { toExport, type CheckpointExport } from "./checkpoints";
import { loadSetChunks, loadSets, setLeafText, type StoredSet } from "./decision-sets";
import { decisionLeaf, decisionLeafText, type SealedDecision } from "./decisions";
import { digestOfKindText } from "./kinds";
import { CHUNK_SIZE, EMPTY_ROOT, leafHash, merkleLevels, proofFromLevels, rootFromProof, type ProofStep } from "./merkle";
import { hasSetLeaves, loadBatches, loadChunks, storedKindTexts } from "./verify";

export interface InclusionProof {
  decisionId: number;
  /** The leaf's hash: SHA-256 of 0x00 ‖ `leafText`. */
  leaf: string;
  leafText: string;
  /**
   * For a leaf that is a decision set: where the decision sits in the set's arrays, and its kind
   * (the canonical text whose SHA-256 the chain entry lists under the kind's id).
   */
  inSet: { index: number; kindId: number; kindText: string; kindDigest: string } | null;
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
  texts: string[];
  levels: string[][];
  root: string;
  /** Leaf id (a decision's, or a set's) → its index. */
  indexOf: Map<number, number>;
  sets: StoredSet[] | null;
}

function treeOf(rows: SealedDecision[]): Tree {
  const leaves = rows.map(decisionLeaf);
  const texts = rows.map(decisionLeafText);
  const levels = merkleLevels(leaves);
  return { leaves, texts, levels, root: leaves.length ? levels.at(-1)![0]! : EMPTY_ROOT, indexOf: new Map(rows.map((r, i) => [r.id, i])), sets: null };
}

function setTreeOf(sets: StoredSet[]): Tree {
  const texts = sets.map(setLeafText);
  const leaves = texts.map(leafHash);
  const levels = merkleLevels(leaves);
  return { leaves, texts, levels, root: leaves.length ? levels.at(-1)![0]! : EMPTY_ROOT, indexOf: new Map(sets.map((r, i) => [r.id, i])), sets };
}

export async function proveDecisions(db: Executor, items: { id: number; auditBatch: number }[]): Promise<Map<number, InclusionProof>> {
  const out = new Map<number, InclusionProof>();
  const batchIds = [...new Set(items.map((i) => i.auditBatch))];
  if (!batchIds.length) return out;
  const entries = await db
    .select({
      seq: auditLog.seq,
      hash: auditLog.hash,
      prevHash: auditLog.prevHash,
      entityId: auditLog.entityId,
      merkleRoot: auditLog.merkleRoot,
      details: auditLog.details,
    })
    .from(auditLog)
    .where(and(eq(auditLog.entityType, "decision_batch"), inArray(auditLog.entityId, batchIds.map(String))));
  const entryOf = new Map(entries.map((e) => [Number(e.entityId), e]));
  const checkpoints = (
    await db
      .select()
      .from(auditCheckpoints)
      .where(gte(auditCheckpoints.uptoSeq, Math.min(...entries.map((e) => e.seq), Number.MAX_SAFE_INTEGER)))
      .orderBy(asc(auditCheckpoints.uptoSeq))
  ).map(toExport);
  // A batch without an entry is proven as decision sets if it has any (and then fails: no entry).
  const setBatches = new Set(batchIds.filter((b) => (entryOf.has(b) ? hasSetLeaves(entryOf.get(b)!.details) : true)));

  // Which batches have chunk roots; the others (small, or sealed before chunks were kept) are read whole.
  const chunkRows = await db
    .select()
    .from(decisionBatchChunks)
    .where(inArray(decisionBatchChunks.auditBatch, batchIds))
    .orderBy(asc(decisionBatchChunks.auditBatch), asc(decisionBatchChunks.chunk));
  const upper = new Map<number, { roots: string[]; levels: string[][] }>();
  for (const r of chunkRows) {
    const u = upper.get(r.auditBatch) ?? { roots: [], levels: [] };
    u.roots.push(r.hash);
    upper.set(r.auditBatch, u);
  }
  for (const u of upper.values()) u.levels = merkleLevels(u.roots);
  const whole = new Map<number, Tree>();
  const readWhole = batchIds.filter((b) => !upper.has(b));
  const [wholeRows, wholeSets] = await Promise.all([
    loadBatches(
      db,
      readWhole.filter((b) => !setBatches.has(b)),
    ),
    loadSets(
      db,
      readWhole.filter((b) => setBatches.has(b)),
    ),
  ]);
  for (const [b, rows] of wholeRows) whole.set(b, treeOf(rows));
  for (const [b, sets] of wholeSets) whole.set(b, setTreeOf(sets));

  // Each decision's leaf: in a set batch, the set holding it (the greatest set id not above it);
  // and, where the batch is chunked, the leaf's position in its batch (from the (audit_batch, id)
  // index), then each chunk asked about, read and hashed once.
  const leafOf = new Map<number, number>(items.map((i) => [i.id, i.id]));
  const inSets = items.filter((i) => setBatches.has(i.auditBatch));
  if (inSets.length) {
    const r = (await db.execute(sql`
      select t.id, s.id as set_id from unnest(${sql.param(inSets.map((i) => i.id))}::bigint[], ${sql.param(inSets.map((i) => i.auditBatch))}::bigint[]) as t(id, b)
       cross join lateral (select id from decision_sets where audit_batch = t.b and id <= t.id order by id desc limit 1) s`)) as unknown as {
      rows: { id: string; set_id: string }[];
    };
    for (const row of r.rows) leafOf.set(Number(row.id), Number(row.set_id));
  }
  const chunked = items.filter((i) => upper.has(i.auditBatch));
  const position = new Map<number, number>();
  if (chunked.length) {
    const leaves = chunked.map((i) => leafOf.get(i.id)!);
    const sets = chunked.map((i) => setBatches.has(i.auditBatch));
    const r = (await db.execute(sql`
      select t.leaf, case when t.sets then (select count(*) from decision_sets s where s.audit_batch = t.b and s.id < t.leaf)
                          else (select count(*) from decision_rows r where r.audit_batch = t.b and r.id < t.leaf) end::int as pos
        from unnest(${sql.param(leaves)}::bigint[], ${sql.param(chunked.map((i) => i.auditBatch))}::bigint[], ${sql.param(sets)}::boolean[]) as t(leaf, b, sets)`)) as unknown as {
      rows: { leaf: string; pos: number }[];
    };
    for (const row of r.rows) position.set(Number(row.leaf), row.pos);
  }
  const wanted = new Map<string, { batch: number; chunk: number; sets: boolean }>();
  for (const item of chunked) {
    const chunk = Math.floor(position.get(leafOf.get(item.id)!)! / CHUNK_SIZE);
    wanted.set(`${item.auditBatch}:${chunk}`, { batch: item.auditBatch, chunk, sets: setBatches.has(item.auditBatch) });
  }
  const chunks = new Map<string, Tree>();
  const want = [...wanted.values()];
  const [rowChunks, setChunks] = await Promise.all([
    loadChunks(
      db,
      want.filter((w) => !w.sets),
      CHUNK_SIZE,
    ),
    loadSetChunks(
      db,
      want.filter((w) => w.sets),
      CHUNK_SIZE,
    ),
  ]);
  for (const [key, rows] of rowChunks) chunks.set(key, treeOf(rows));
  for (const [key, sets] of setChunks) chunks.set(key, setTreeOf(sets));

  // The kinds the proven decisions in sets point at, as stored now.
  const kindIds = new Set<number>();
  const trees = (item: { id: number; auditBatch: number }) => {
    const u = upper.get(item.auditBatch);
    if (!u) return whole.get(item.auditBatch);
    return chunks.get(`${item.auditBatch}:${Math.floor(position.get(leafOf.get(item.id)!)! / CHUNK_SIZE)}`);
  };
  for (const item of inSets) {
    const tree = trees(item);
    const set = tree?.sets?.[tree.indexOf.get(leafOf.get(item.id)!) ?? -1];
    const k = set?.kindIds[item.id - set.id];
    if (k !== undefined) kindIds.add(k);
  }
  const kindTexts = await storedKindTexts(db, [...kindIds]);

  for (const item of items) {
    const entry = entryOf.get(item.auditBatch) ?? null;
    const tree = trees(item);
    const leafId = leafOf.get(item.id)!;
    const index = tree?.indexOf.get(leafId);
    if (!tree || index === undefined) continue;
    let path = proofFromLevels(tree.levels, index);
    let root = tree.root;
    const u = upper.get(item.auditBatch);
    if (u) {
      // Inside the chunk, then from the chunk's root up through the stored roots of the others.
      path = [...path, ...proofFromLevels(u.levels, Math.floor(position.get(leafId)! / CHUNK_SIZE))];
      root = u.levels.at(-1)![0]!;
    }
    let inSet: InclusionProof["inSet"] = null;
    let kindOk = true;
    if (tree.sets) {
      const set = tree.sets[index]!;
      const at = item.id - set.id;
      if (at >= set.kindIds.length) continue;
      const kindId = set.kindIds[at]!;
      const text = kindTexts.get(kindId) ?? "";
      const digest = digestOfKindText(text);
      inSet = { index: at, kindId, kindText: text, kindDigest: digest };
      kindOk = !!entry && ((entry.details.kinds ?? {}) as Record<string, string>)[String(kindId)] === digest;
    }
    const leaf = tree.leaves[index]!;
    out.set(item.id, {
      decisionId: item.id,
      leaf,
      leafText: tree.texts[index]!,
      inSet,
      path,
      merkleRoot: root,
      entry: entry ? { seq: entry.seq, hash: entry.hash, prevHash: entry.prevHash } : null,
      checkpoint: entry ? (checkpoints.find((c) => c.uptoSeq >= entry.seq) ?? null) : null,
      valid: !!entry && kindOk && entry.merkleRoot === root && rootFromProof(leaf, path) === root,
    });
  }
  return out;
}
