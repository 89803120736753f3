// Decisions and kinds as they are stored now, read the way verification and proofs need them:
// whole batches, aligned chunks of a batch, the canonical text of kinds.
import { decisionKinds, decisions, type Executor } from "@proviso/db";
import { asc, inArray, sql } from "drizzle-orm";
import { SET_LEAVES } from "./decision-sets";
import { LEAF_FIELDS, type SealedDecision } from "./decisions";
import { kindText } from "./kinds";

/** The view's column for each leaf field. */
const decisionColumnNames = Object.fromEntries(LEAF_FIELDS.map((k) => [k, decisions[k].name])) as Record<(typeof LEAF_FIELDS)[number], string>;

/** Exactly the columns a leaf commits to. */
const decisionColumns = Object.fromEntries(LEAF_FIELDS.map((k) => [k, decisions[k]])) as { [K in (typeof LEAF_FIELDS)[number]]: (typeof decisions)[K] };

/** Whether a batch's entry says its leaves are decision sets (batches sealed since migration 0013). */
export const hasSetLeaves = (details: Record<string, unknown>) => details.leaves === SET_LEAVES;

/** The canonical texts (`kindText`) of stored kinds, from their content as it is now; a missing kind has none. */
export async function storedKindTexts(db: Executor, ids: readonly number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  if (!ids.length) return out;
  for (const k of await db
    .select()
    .from(decisionKinds)
    .where(inArray(decisionKinds.id, [...new Set(ids)])))
    out.set(k.id, kindText({ ...k, reasons: k.reasons as unknown[] }));
  return out;
}

/** The decisions of some batches sealed one leaf per decision, as stored, in leaf order. */
export async function loadBatches(db: Executor, batches: number[]): Promise<Map<number, SealedDecision[]>> {
  const out = new Map<number, SealedDecision[]>(batches.map((b) => [b, []]));
  if (!batches.length) return out;
  const rows = await db
    .select(decisionColumns)
    .from(decisions)
    .where(inArray(decisions.auditBatch, batches))
    .orderBy(asc(decisions.auditBatch), asc(decisions.id));
  for (const r of rows) out.get(r.auditBatch)?.push(r as SealedDecision);
  return out;
}

/**
 * Chunks of batches (the `chunk`-th run of `size` decisions, in leaf order), as stored, in two
 * statements however many are asked for: their first ids from the (audit_batch, id) index, then
 * each chunk's rows.
 */
export async function loadChunks(db: Executor, wanted: { batch: number; chunk: number }[], size: number): Promise<Map<string, SealedDecision[]>> {
  const out = new Map<string, SealedDecision[]>(wanted.map((w) => [`${w.batch}:${w.chunk}`, []]));
  if (!wanted.length) return out;
  const b = sql.param(wanted.map((w) => w.batch));
  const c = sql.param(wanted.map((w) => w.chunk));
  const rows = (await db.execute(sql`
    select t.b as chunk_batch, t.c as chunk, d.*
      from unnest(${b}::bigint[], ${c}::int[]) as t(b, c)
      cross join lateral (select id as first from decision_rows where audit_batch = t.b order by id offset t.c * ${size} limit 1) f
      cross join lateral (
        select ${sql.join(
          LEAF_FIELDS.map((k) => sql`${sql.identifier(decisionColumnNames[k])} as ${sql.identifier(k)}`),
          sql`, `,
        )}
          from decisions where audit_batch = t.b and id >= f.first order by id limit ${size}) d
     order by t.b, t.c, d."id"`)) as unknown as { rows: (Record<string, unknown> & { chunk_batch: string; chunk: number })[] };
  for (const r of rows.rows) {
    out.get(`${r.chunk_batch}:${r.chunk}`)?.push({
      id: Number(r.id),
      auditBatch: Number(r.auditBatch),
      stateEventId: r.stateEventId == null ? null : Number(r.stateEventId),
      homeId: r.homeId as string,
      deviceId: r.deviceId as string,
      partnerId: r.partnerId as string,
      linkId: (r.linkId as string | null) ?? null,
      categoryKey: r.categoryKey as string,
      mode: r.mode as string,
      stage: r.stage as string,
      outcome: r.outcome as string,
      sentProperties: (r.sentProperties as Record<string, unknown> | null) ?? null,
      reasons: r.reasons as unknown[],
      agreementVersionId: (r.agreementVersionId as string | null) ?? null,
      clauseKeys: r.clauseKeys as string[],
      consentVersion: r.consentVersion == null ? null : Number(r.consentVersion),
      observedAt: new Date(r.observedAt as string),
      decidedAt: new Date(r.decidedAt as string),
    });
  }
  return out;
}
