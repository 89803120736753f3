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
import { hasSetLeaves, loadBatches, loadChunks, storedKindTexts } from "./stored-decisions";

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

type Item = { id: number; auditBatch: number };
type BatchEntry = { seq: number; hash: string; prevHash: string; entityId: string; merkleRoot: string | null; details: Record<string, unknown> };

/** What proving a set of decisions reads once: their batches' entries and trees, and where each decision's leaf is. */
interface Proving {
  entryOf: Map<number, BatchEntry>;
  checkpoints: CheckpointExport[];
  /** Batches sealed as decision sets. */
  setBatches: Set<number>;
  /** Chunked batches: their stored chunk roots and the levels above them. */
  upper: Map<number, { roots: string[]; levels: string[][] }>;
  whole: Map<number, Tree>;
  chunks: Map<string, Tree>;
  /** Decision id → its leaf's id (a set's, or its own). */
  leafOf: Map<number, number>;
  /** Leaf id → its position in its (chunked) batch. */
  position: Map<number, number>;
  kindTexts: Map<number, string>;
}

export async function proveDecisions(db: Executor, items: Item[]): Promise<Map<number, InclusionProof>> {
  const out = new Map<number, InclusionProof>();
  const batchIds = [...new Set(items.map((i) => i.auditBatch))];
  if (!batchIds.length) return out;
  const p = await readEntries(db, batchIds);
  await readLeaves(db, items, batchIds, p);
  p.kindTexts = await storedKindTexts(db, kindsOf(items, p));
  for (const item of items) {
    const proof = proofOf(item, p);
    if (proof) out.set(item.id, proof);
  }
  return out;
}

/** The batches' chain entries, the checkpoints from the first of them on, and which batches are sealed as sets. */
async function readEntries(db: Executor, batchIds: number[]): Promise<Proving> {
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
  return {
    entryOf,
    checkpoints,
    setBatches,
    upper: new Map(),
    whole: new Map(),
    chunks: new Map(),
    leafOf: new Map(),
    position: new Map(),
    kindTexts: new Map(),
  };
}

/**
 * The trees the decisions' leaves are in: whole batches where no chunk roots are stored (small, or
 * sealed before chunks were kept), else only the chunk each leaf is in, with the stored roots above.
 */
async function readLeaves(db: Executor, items: Item[], batchIds: number[], p: Proving) {
  const chunkRows = await db
    .select()
    .from(decisionBatchChunks)
    .where(inArray(decisionBatchChunks.auditBatch, batchIds))
    .orderBy(asc(decisionBatchChunks.auditBatch), asc(decisionBatchChunks.chunk));
  for (const r of chunkRows) {
    const u = p.upper.get(r.auditBatch) ?? { roots: [], levels: [] };
    u.roots.push(r.hash);
    p.upper.set(r.auditBatch, u);
  }
  for (const u of p.upper.values()) u.levels = merkleLevels(u.roots);
  const readWhole = batchIds.filter((b) => !p.upper.has(b));
  const [wholeRows, wholeSets] = await Promise.all([
    loadBatches(
      db,
      readWhole.filter((b) => !p.setBatches.has(b)),
    ),
    loadSets(
      db,
      readWhole.filter((b) => p.setBatches.has(b)),
    ),
  ]);
  for (const [b, rows] of wholeRows) p.whole.set(b, treeOf(rows));
  for (const [b, sets] of wholeSets) p.whole.set(b, setTreeOf(sets));
  await locateLeaves(db, items, p);
  const wanted = new Map<string, { batch: number; chunk: number; sets: boolean }>();
  for (const item of items.filter((i) => p.upper.has(i.auditBatch))) {
    const chunk = chunkOf(item, p);
    wanted.set(`${item.auditBatch}:${chunk}`, { batch: item.auditBatch, chunk, sets: p.setBatches.has(item.auditBatch) });
  }
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
  for (const [key, rows] of rowChunks) p.chunks.set(key, treeOf(rows));
  for (const [key, sets] of setChunks) p.chunks.set(key, setTreeOf(sets));
}

/**
 * Each decision's leaf: in a set batch, the set holding it (the greatest set id not above it);
 * and, where the batch is chunked, the leaf's position in its batch (from the (audit_batch, id) index).
 */
async function locateLeaves(db: Executor, items: Item[], p: Proving) {
  for (const i of items) p.leafOf.set(i.id, i.id);
  const inSets = items.filter((i) => p.setBatches.has(i.auditBatch));
  if (inSets.length) {
    const r = (await db.execute(sql`
      select t.id, s.id as set_id from unnest(${sql.param(inSets.map((i) => i.id))}::bigint[], ${sql.param(inSets.map((i) => i.auditBatch))}::bigint[]) as t(id, b)
       cross join lateral (select id from decision_sets where audit_batch = t.b and id <= t.id order by id desc limit 1) s`)) as unknown as {
      rows: { id: string; set_id: string }[];
    };
    for (const row of r.rows) p.leafOf.set(Number(row.id), Number(row.set_id));
  }
  const chunked = items.filter((i) => p.upper.has(i.auditBatch));
  if (!chunked.length) return;
  const leaves = chunked.map((i) => p.leafOf.get(i.id)!);
  const sets = chunked.map((i) => p.setBatches.has(i.auditBatch));
  const r = (await db.execute(sql`
    select t.leaf, case when t.sets then (select count(*) from decision_sets s where s.audit_batch = t.b and s.id < t.leaf)
                        else (select count(*) from decision_rows r where r.audit_batch = t.b and r.id < t.leaf) end::int as pos
      from unnest(${sql.param(leaves)}::bigint[], ${sql.param(chunked.map((i) => i.auditBatch))}::bigint[], ${sql.param(sets)}::boolean[]) as t(leaf, b, sets)`)) as unknown as {
    rows: { leaf: string; pos: number }[];
  };
  for (const row of r.rows) p.position.set(Number(row.leaf), row.pos);
}

const chunkOf = (item: Item, p: Proving) => Math.floor(p.position.get(p.leafOf.get(item.id)!)! / CHUNK_SIZE);

/** The tree an item's leaf is in: its batch's, or its chunk's. */
function treeFor(item: Item, p: Proving): Tree | undefined {
  return p.upper.has(item.auditBatch) ? p.chunks.get(`${item.auditBatch}:${chunkOf(item, p)}`) : p.whole.get(item.auditBatch);
}

/** The kinds the proven decisions in sets point at. */
function kindsOf(items: Item[], p: Proving): number[] {
  const kindIds = new Set<number>();
  for (const item of items.filter((i) => p.setBatches.has(i.auditBatch))) {
    const tree = treeFor(item, p);
    const set = tree?.sets?.[tree.indexOf.get(p.leafOf.get(item.id)!) ?? -1];
    const k = set?.kindIds[item.id - set.id];
    if (k !== undefined) kindIds.add(k);
  }
  return [...kindIds];
}

function proofOf(item: Item, p: Proving): InclusionProof | null {
  const entry = p.entryOf.get(item.auditBatch) ?? null;
  const tree = treeFor(item, p);
  const leafId = p.leafOf.get(item.id)!;
  const index = tree?.indexOf.get(leafId);
  if (!tree || index === undefined) return null;
  let path = proofFromLevels(tree.levels, index);
  let root = tree.root;
  const u = p.upper.get(item.auditBatch);
  if (u) {
    // Inside the chunk, then from the chunk's root up through the stored roots of the others.
    path = [...path, ...proofFromLevels(u.levels, Math.floor(p.position.get(leafId)! / CHUNK_SIZE))];
    root = u.levels.at(-1)![0]!;
  }
  let inSet: InclusionProof["inSet"] = null;
  let kindOk = true;
  if (tree.sets) {
    const set = tree.sets[index]!;
    const at = item.id - set.id;
    if (at >= set.kindIds.length) return null;
    const kindId = set.kindIds[at]!;
    const text = p.kindTexts.get(kindId) ?? "";
    const digest = digestOfKindText(text);
    inSet = { index: at, kindId, kindText: text, kindDigest: digest };
    kindOk = !!entry && ((entry.details.kinds ?? {}) as Record<string, string>)[String(kindId)] === digest;
  }
  const leaf = tree.leaves[index]!;
  return {
    decisionId: item.id,
    leaf,
    leafText: tree.texts[index]!,
    inSet,
    path,
    merkleRoot: root,
    entry: entry ? { seq: entry.seq, hash: entry.hash, prevHash: entry.prevHash } : null,
    checkpoint: entry ? (p.checkpoints.find((c) => c.uptoSeq >= entry.seq) ?? null) : null,
    valid: !!entry && kindOk && entry.merkleRoot === root && rootFromProof(leaf, path) === root,
  };
}
