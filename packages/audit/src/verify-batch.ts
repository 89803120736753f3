// Checking one sealed batch of decisions against its chain entry: as one leaf per decision (batches
// sealed before migration 0013) or one per decision set, with every kind it names.
import type { Executor } from "@proviso/db";
import { setLeafText, type StoredSet } from "./decision-sets";
import { decisionLeaf, type SealedDecision } from "./decisions";
import { digestOfKindText } from "./kinds";
import { leafHash, merkleRoot } from "./merkle";
import { hasSetLeaves, storedKindTexts } from "./stored-decisions";

/**
 * The digests of stored kinds, computed from their content as it is now (null: no such kind).
 * `cache` keeps what an earlier call computed, so a long verification reads each kind once.
 */
async function storedKindDigests(db: Executor, ids: readonly number[], cache: Map<number, string | null>): Promise<Map<number, string | null>> {
  const missing = [...new Set(ids)].filter((id) => !cache.has(id));
  const texts = await storedKindTexts(db, missing);
  for (const id of missing) {
    const text = texts.get(id);
    cache.set(id, text === undefined ? null : digestOfKindText(text));
  }
  return cache;
}

/**
 * What is wrong with a batch sealed as decision sets, or null: its sets must hash to the entry's
 * root and hold the count it sealed, and every kind they name must be listed in the entry with the
 * digest of the kind as stored now.
 */
async function checkSetBatch(
  db: Executor,
  sets: readonly StoredSet[],
  details: Record<string, unknown>,
  merkle: string | null,
  cache: Map<number, string | null>,
): Promise<string | null> {
  const expectedCount = Number(details.count);
  const count = sets.reduce((n, s) => n + s.kindIds.length, 0);
  if (count !== expectedCount) return `${expectedCount} decisions were sealed, ${count} are there now`;
  if (merkleRoot(sets.map((s) => leafHash(setLeafText(s)))) !== merkle) return "a decision in it was altered or moved";
  const named = (details.kinds ?? {}) as Record<string, string>;
  for (const s of sets) {
    for (const k of s.kindIds) if (!(String(k) in named)) return `decision set ${s.id} names kind ${k}, which the entry does not`;
  }
  const digests = await storedKindDigests(db, Object.keys(named).map(Number), cache);
  for (const [id, digest] of Object.entries(named)) {
    const now = digests.get(Number(id));
    if (now !== digest)
      return now === null ? `decision kind ${id} is missing` : `decision kind ${id} was altered (what its decisions concluded no longer matches)`;
  }
  return null;
}

/**
 * What is wrong with the batch an entry seals, or null: its decisions (or sets) as stored must
 * hash to the entry's root and be as many as it sealed.
 */
export function checkBatch(
  db: Executor,
  entry: { details: Record<string, unknown>; merkleRoot: string | null },
  stored: { perDecision: SealedDecision[] | undefined; sets: StoredSet[] | undefined },
  kindCache: Map<number, string | null>,
): Promise<string | null> | string | null {
  if (hasSetLeaves(entry.details)) return checkSetBatch(db, stored.sets ?? [], entry.details, entry.merkleRoot, kindCache);
  const rows = stored.perDecision ?? [];
  const expectedCount = Number(entry.details.count);
  if (rows.length !== expectedCount) return `${expectedCount} decisions were sealed, ${rows.length} are there now`;
  return merkleRoot(rows.map(decisionLeaf)) !== entry.merkleRoot ? "a decision in it was altered or moved" : null;
}
