// The only way decisions enter the ledger: a sealed batch. In the caller's transaction it
// reserves ids and a batch number, writes the rows in one statement, adds them to the running
// totals for reports, and appends one chain entry carrying the Merkle root of the batch.
import type { decisions, Executor } from "@proviso/db";
import { sql } from "drizzle-orm";
import { appendAudit, type AuditEntry } from "./chain";
import { canonicalJson } from "./canonical";
import { leafHash, merkleRoot } from "./merkle";

export type DecisionInsert = Omit<typeof decisions.$inferInsert, "auditBatch" | "id">;
/** A decision as stored, with the fields its leaf hash commits to. */
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

/** Every stored field of a decision, its id and batch included: what its leaf commits to. */
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
export function decisionLeaf(d: SealedDecision): string {
  let text = "[";
  for (let i = 0; i < LEAF_FIELDS.length; i++) text += (i ? "," : "") + encode(d[LEAF_FIELDS[i]!]);
  return leafHash(`${text}]`);
}

/** The reason a report counts a decision under: why it was withheld, or how it was allowed. */
export function reportReason(outcome: string, reasons: readonly { code: string }[]): string {
  if (reasons.length === 0) return "NONE";
  if (outcome === "withhold") return reasons[0]!.code;
  if (outcome === "transform") return reasons.find((r) => r.code === "ROUNDED" || r.code === "PROPERTIES_DROPPED")?.code ?? reasons.at(-1)!.code;
  return reasons.at(-1)!.code;
}

const arr = (values: unknown[]) => sql.param(values);
const json = (v: unknown) => (v == null ? null : JSON.stringify(v));
const textArray = (xs: readonly string[]) => `{${xs.map((x) => `"${x.replace(/(["\\])/g, "\\$1")}"`).join(",")}}`;
const toDate = (d: Date | string | null | undefined) => (d instanceof Date ? d : new Date(d ?? Date.now()));

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
export async function sealDecisions(
  tx: Executor,
  rows: (DecisionInsert & { id?: number })[],
  opts: { stage: string; actorId?: string | null },
): Promise<SealResult | null> {
  const written = await writeDecisions(tx, rows);
  return written ? sealBatch(tx, written, opts) : null;
}

/** A batch written but not yet sealed: seal it (`sealBatch`) before the transaction commits. */
export interface WrittenBatch {
  batch: number;
  root: string;
  sealed: SealedDecision[];
}

/**
 * The first half of `sealDecisions`: ids and batch number reserved, rows written. Callers with more
 * to write in the same transaction seal last, so the chain's head is locked only for the commit.
 */
export async function writeDecisions(tx: Executor, rows: (DecisionInsert & { id?: number })[]): Promise<WrittenBatch | null> {
  if (rows.length === 0) return null;
  const missing = rows.filter((r) => r.id == null).length;
  const r = (await tx.execute(
    sql`select nextval('decision_batch_seq') as batch, array(select nextval('decisions_id_seq') from generate_series(1, ${missing})) as ids`,
  )) as unknown as { rows: { batch: string; ids: string[] }[] };
  const batch = Number(r.rows[0]!.batch);
  const fresh = r.rows[0]!.ids.map(Number);
  let k = 0;
  // Exactly what the database will give back: JSON through JSON, dates to the millisecond.
  const sealed: SealedDecision[] = rows.map((d) => ({
    id: d.id ?? fresh[k++]!,
    auditBatch: batch,
    stateEventId: d.stateEventId ?? null,
    homeId: d.homeId,
    deviceId: d.deviceId,
    partnerId: d.partnerId,
    linkId: d.linkId ?? null,
    categoryKey: d.categoryKey,
    mode: d.mode,
    stage: d.stage,
    outcome: d.outcome,
    sentProperties: d.sentProperties == null ? null : (JSON.parse(JSON.stringify(d.sentProperties)) as Record<string, unknown>),
    reasons: JSON.parse(JSON.stringify(d.reasons)) as unknown[],
    agreementVersionId: d.agreementVersionId ?? null,
    clauseKeys: [...(d.clauseKeys ?? [])],
    consentVersion: d.consentVersion ?? null,
    observedAt: toDate(d.observedAt),
    decidedAt: toDate(d.decidedAt),
  }));
  sealed.sort((a, b) => a.id - b.id);
  const root = merkleRoot(sealed.map(decisionLeaf));

  await tx.execute(sql`
    insert into decisions (id, audit_batch, state_event_id, home_id, device_id, partner_id, link_id, category_key, mode, stage, outcome,
                           sent_properties, reasons, agreement_version_id, clause_keys, consent_version, observed_at, decided_at)
    select id, ${batch}::bigint, ev, home, dev, partner, link, category, mode, stage, outcome, sent, reasons, version, keys::text[], consent, observed, decided
      from unnest(
        ${arr(sealed.map((d) => d.id))}::bigint[], ${arr(sealed.map((d) => d.stateEventId))}::bigint[], ${arr(sealed.map((d) => d.homeId))}::uuid[],
        ${arr(sealed.map((d) => d.deviceId))}::uuid[], ${arr(sealed.map((d) => d.partnerId))}::text[], ${arr(sealed.map((d) => d.linkId))}::uuid[],
        ${arr(sealed.map((d) => d.categoryKey))}::text[], ${arr(sealed.map((d) => d.mode))}::share_mode[], ${arr(sealed.map((d) => d.stage))}::decision_stage[],
        ${arr(sealed.map((d) => d.outcome))}::decision_outcome[], ${arr(sealed.map((d) => json(d.sentProperties)))}::jsonb[],
        ${arr(sealed.map((d) => json(d.reasons)))}::jsonb[], ${arr(sealed.map((d) => d.agreementVersionId))}::uuid[],
        ${arr(sealed.map((d) => textArray(d.clauseKeys)))}::text[], ${arr(sealed.map((d) => d.consentVersion))}::int[],
        ${arr(sealed.map((d) => d.observedAt.toISOString()))}::timestamptz[], ${arr(sealed.map((d) => d.decidedAt.toISOString()))}::timestamptz[]
      ) as t(id, ev, home, dev, partner, link, category, mode, stage, outcome, sent, reasons, version, keys, consent, observed, decided)`);

  return { batch, root, sealed };
}

/** The second half: report totals, then the chain entry with the batch's Merkle root. */
export async function sealBatch(tx: Executor, written: WrittenBatch, opts: { stage: string; actorId?: string | null }): Promise<SealResult> {
  const { batch, root, sealed } = written;
  // Running totals for reports, in one fixed key order so concurrent batches never deadlock.
  const totals = new Map<string, number>();
  for (const d of sealed) {
    const key = [d.decidedAt.toISOString().slice(0, 10), d.partnerId, d.categoryKey, d.mode, d.outcome, reportReason(d.outcome, d.reasons as { code: string }[])].join("\u0001");
    totals.set(key, (totals.get(key) ?? 0) + 1);
  }
  const keys = [...totals.keys()].sort();
  const cols = keys.map((k) => k.split("\u0001"));
  await tx.execute(sql`
    insert into decision_daily_stats (day, partner_id, category_key, mode, outcome, reason_code, count)
    select * from unnest(${arr(cols.map((c) => c[0]))}::date[], ${arr(cols.map((c) => c[1]))}::text[], ${arr(cols.map((c) => c[2]))}::text[],
                         ${arr(cols.map((c) => c[3]))}::share_mode[], ${arr(cols.map((c) => c[4]))}::decision_outcome[],
                         ${arr(cols.map((c) => c[5]))}::text[], ${arr(keys.map((k) => totals.get(k)!))}::bigint[])
    on conflict (day, partner_id, category_key, mode, outcome, reason_code) do update set count = decision_daily_stats.count + excluded.count`);

  const outcomes: Record<string, number> = {};
  for (const d of sealed) outcomes[d.outcome] = (outcomes[d.outcome] ?? 0) + 1;
  const [entry] = await appendAudit(tx, {
    actorId: opts.actorId ?? null,
    action: "decisions.sealed",
    entityType: "decision_batch",
    entityId: String(batch),
    details: { stage: opts.stage, count: sealed.length, firstId: sealed[0]!.id, lastId: sealed.at(-1)!.id, outcomes },
    merkleRoot: root,
  });
  return { batch, ids: sealed.map((d) => d.id), root, entry: entry! };
}
