// The only way decisions enter the ledger: a sealed batch. In the caller's transaction it
// reserves ids and a batch number, writes the decisions as sets (see decision-sets.ts), adds them
// to the running totals for reports, and appends one chain entry carrying the Merkle root of the
// batch and the digests of the kinds it names.
import type { DecisionReason, DecisionStage, DecisionOutcome } from "@proviso/domain";
import { blocksFor, executeWrites, idsFromBlocks, plainArray, textArray, write, type Executor } from "@proviso/db";
import { sql, type SQL } from "drizzle-orm";
import { appendAudit, type AuditEntry } from "./chain";
import { canonicalJson } from "./canonical";
import { SET_LEAVES, writeDecisionSets, type DecisionSetInsert, type WrittenBatch } from "./decision-sets";
import { kindOf, type DecisionKind } from "./kinds";
import { leafHash } from "./merkle";

/** A decision to write: what the `decisions` view will show, without id and batch. */
export interface DecisionInsert {
  id?: number;
  stateEventId?: number | null;
  homeId: string;
  deviceId: string;
  partnerId: string;
  linkId?: string | null;
  categoryKey: string;
  mode: "proactive" | "on_request";
  stage: DecisionStage;
  outcome: DecisionOutcome;
  sentProperties?: Record<string, unknown> | null;
  reasons: readonly DecisionReason[];
  agreementVersionId?: string | null;
  clauseKeys?: readonly string[];
  consentVersion?: number | null;
  observedAt: Date | string;
  decidedAt?: Date | string;
}
/**
 * A decision as the `decisions` view shows it. Batches sealed before decision sets (migration
 * 0013) hashed one leaf per decision, over exactly these fields (`decisionLeaf`).
 */
export interface SealedDecision {
  id: number;
  auditBatch: number;
  stateEventId: number | null;
  homeId: string;
  deviceId: string;
  partnerId: string;
  linkId: string | null;
  categoryKey: string;
  mode: string;
  stage: string;
  outcome: string;
  sentProperties: Record<string, unknown> | null;
  reasons: unknown[];
  agreementVersionId: string | null;
  clauseKeys: string[];
  consentVersion: number | null;
  observedAt: Date;
  decidedAt: Date;
}

/** Every field of a decision, its id and batch included: what a per-decision leaf commits to. */
export const LEAF_FIELDS = [
  "id",
  "auditBatch",
  "stateEventId",
  "homeId",
  "deviceId",
  "partnerId",
  "linkId",
  "categoryKey",
  "mode",
  "stage",
  "outcome",
  "sentProperties",
  "reasons",
  "agreementVersionId",
  "clauseKeys",
  "consentVersion",
  "observedAt",
  "decidedAt",
] as const satisfies readonly (keyof SealedDecision)[];

const encode = (v: unknown): string =>
  v === null || v === undefined ? "null" : v instanceof Date ? String(v.getTime()) : typeof v === "object" ? canonicalJson(v) : JSON.stringify(v);

/**
 * The leaf of one decision: the fields above, in that order, as a JSON array (nested JSON values in
 * canonical form, dates as epoch milliseconds) — the same text whether built from the rows written or
 * from the rows read back. It is on the hot path, so no key sorting at the top level.
 */
export function decisionLeafText(d: SealedDecision): string {
  let text = "[";
  for (let i = 0; i < LEAF_FIELDS.length; i++) text += (i ? "," : "") + encode(d[LEAF_FIELDS[i]!]);
  return `${text}]`;
}

export const decisionLeaf = (d: SealedDecision): string => leafHash(decisionLeafText(d));

export interface SealResult {
  batch: number;
  ids: number[];
  root: string;
  entry: AuditEntry;
}

/**
 * Writes `rows` as one sealed batch. Ids already on the rows are kept (callers that refer to them
 * from other rows reserve them first with `reserveIds`); the others are reserved here.
 */
export async function sealDecisions(tx: Executor, rows: DecisionInsert[], opts: { stage: string; actorId?: string | null }): Promise<SealResult | null> {
  const written = await writeDecisions(tx, rows);
  if (!written) return null;
  const sealed = await sealBatch(tx, written, opts);
  return { ...sealed, ids: written.ids };
}

const toMs = (d: Date | string | null | undefined) => (d instanceof Date ? d.getTime() : d == null ? Date.now() : Date.parse(d));

/**
 * The first half of `sealDecisions`: ids and batch number reserved, decisions written as sets
 * (`writeDecisionSets`: a run of decisions about the same change with consecutive ids is one set).
 * Callers with more to write in the same transaction seal last, so the chain's head is locked only
 * for the commit. Callers that reserved the ids and the batch number already (`reserveForBatch`)
 * pass the batch.
 */
export async function writeDecisions(tx: Executor, input: DecisionInsert[], reserved?: { batch: number }): Promise<(WrittenBatch & { ids: number[] }) | null> {
  if (input.length === 0) return null;
  const missing = input.filter((r) => r.id == null).length;
  let batch: number;
  let fresh: number[] = [];
  if (reserved && missing === 0) batch = reserved.batch;
  else {
    const r = (await tx.execute(
      sql`select nextval('decision_batch_seq') as batch, array(select nextval('decisions_id_seq') from generate_series(1, ${blocksFor(missing)})) as starts`,
    )) as unknown as { rows: { batch: string; starts: string[] }[] };
    batch = Number(r.rows[0]!.batch);
    fresh = idsFromBlocks(r.rows[0]!.starts, missing);
  }
  let f = 0;
  const withIds = input.map((d) => ({ id: d.id ?? fresh[f++]!, d }));
  // The leaves' order is the ids' order.
  for (let i = 1; i < withIds.length; i++) {
    if (withIds[i]!.id < withIds[i - 1]!.id) {
      withIds.sort((a, b) => a.id - b.id);
      break;
    }
  }
  const sets: DecisionSetInsert[] = [];
  let set: (DecisionSetInsert & { kinds: DecisionKind[]; linkIds: (string | null)[]; sents: (string | null)[] }) | null = null;
  let prevId = NaN;
  for (const { id, d } of withIds) {
    const stateEventId = d.stateEventId ?? null;
    const observedMs = toMs(d.observedAt);
    const decidedMs = toMs(d.decidedAt);
    if (
      set === null ||
      id !== prevId + 1 ||
      set.stateEventId !== stateEventId ||
      set.homeId !== d.homeId ||
      set.deviceId !== d.deviceId ||
      set.observedMs !== observedMs ||
      set.decidedMs !== decidedMs
    ) {
      set = { id, stateEventId, homeId: d.homeId, deviceId: d.deviceId, observedMs, decidedMs, kinds: [], linkIds: [], sents: [] };
      sets.push(set);
    }
    prevId = id;
    set.kinds.push(kindOf(d));
    set.linkIds.push(d.linkId ?? null);
    // Canonical JSON is JSON: the database gives back the same values, and the leaf hashes this text.
    set.sents.push(d.sentProperties == null ? null : canonicalJson(d.sentProperties));
  }
  const written = await writeDecisionSets(tx, batch, sets);
  return written && { ...written, ids: withIds.map((w) => w.id) };
}

/**
 * The second half: report totals, then the chain entry with the batch's Merkle root and the digest
 * of every kind its sets name.
 */
export async function sealBatch(tx: Executor, written: WrittenBatch, opts: { stage: string; actorId?: string | null }): Promise<Omit<SealResult, "ids">> {
  await executeWrites(tx, [batchTotalsWrite(written)]);
  return appendBatchEntry(tx, written, opts);
}

/**
 * The report totals of a written batch as a write (`executeWrites`), for a caller that runs it with
 * its other writes; then `appendBatchEntry` seals the batch. Null when the batch has no totals.
 */
export function batchTotalsWrite(written: WrittenBatch): SQL | null {
  // Running totals for reports, in one fixed key order so concurrent batches never deadlock.
  const keys = [...written.totals.keys()].sort();
  if (keys.length === 0) return null;
  const cols = keys.map((k) => k.split("\u0001"));
  return write(
    "batch_totals",
    sql`insert into decision_daily_stats (day, partner_id, category_key, mode, outcome, reason_code, count)
        select * from unnest(${plainArray(cols.map((c) => c[0]))}::date[], ${textArray(cols.map((c) => c[1]))}::text[], ${textArray(cols.map((c) => c[2]))}::text[],
                             ${plainArray(cols.map((c) => c[3]))}::share_mode[], ${plainArray(cols.map((c) => c[4]))}::decision_outcome[],
                             ${textArray(cols.map((c) => c[5]))}::text[], ${plainArray(keys.map((k) => written.totals.get(k)!))}::bigint[])
        on conflict (day, partner_id, category_key, mode, outcome, reason_code) do update set count = decision_daily_stats.count + excluded.count`,
  );
}

/** The chain entry sealing a written batch (its totals written): the Merkle root and every kind's digest. */
export async function appendBatchEntry(
  tx: Executor,
  written: WrittenBatch,
  opts: { stage: string; actorId?: string | null },
): Promise<Omit<SealResult, "ids">> {
  const { batch, root, outcomes } = written;
  const [entry] = await appendAudit(tx, {
    actorId: opts.actorId ?? null,
    action: "decisions.sealed",
    entityType: "decision_batch",
    entityId: String(batch),
    details: {
      stage: opts.stage,
      count: written.count,
      firstId: written.firstId,
      lastId: written.lastId,
      outcomes,
      leaves: SET_LEAVES,
      sets: written.sets,
      kinds: written.kinds,
    },
    merkleRoot: root,
  });
  return { batch, root, entry: entry! };
}
