// The only way decisions enter the ledger: a sealed batch. In the caller's transaction it
// reserves ids and a batch number, writes the rows in one statement (each pointing at its kind,
// see `decision_kinds`), adds them to the running totals for reports, and appends one chain entry
// carrying the Merkle root of the batch. This is the worker's hot path: no per-row objects beyond
// what the leaf needs, and array parameters built as text.
import type { DecisionReason } from "@proviso/domain";
import { blocksFor, idsFromBlocks, jsonArray, plainArray, textArray, type Executor } from "@proviso/db";
import { sql } from "drizzle-orm";
import { createHash } from "node:crypto";
import { appendAudit, type AuditEntry } from "./chain";
import { canonicalJson } from "./canonical";
import { CHUNK_LEVEL, leafHash, leafHashBytes, merkleLevels } from "./merkle";

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
  stage: "change" | "delivery" | "request";
  outcome: "send" | "withhold" | "transform";
  sentProperties?: Record<string, unknown> | null;
  reasons: readonly DecisionReason[];
  agreementVersionId?: string | null;
  clauseKeys?: readonly string[];
  consentVersion?: number | null;
  observedAt: Date | string;
  decidedAt?: Date | string;
}
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

const toDate = (d: Date | string | null | undefined) => (d instanceof Date ? d : new Date(d ?? Date.now()));

/** A decision's kind: everything it concluded apart from the change it was about. */
export interface DecisionKind {
  id: number;
  partnerId: string;
  categoryKey: string;
  mode: string;
  stage: string;
  outcome: string;
  reasons: unknown[];
  agreementVersionId: string | null;
  clauseKeys: string[];
  consentVersion: number | null;
  /** What reports count it under (`reportReason`). */
  reportReason: string;
  /** Its fields encoded for the leaf, in LEAF_FIELDS order between the per-row fields. */
  leaf: { partner: string; categoryToOutcome: string; reasonsToConsent: string };
}

/**
 * The id of a kind, from its content: 53 bits of the SHA-256 of its canonical JSON. Every writer
 * in every process derives the same id without asking the database; a kind written before (by
 * anyone) is simply there already.
 */
export function kindId(k: Omit<DecisionKind, "id" | "reportReason" | "leaf">): number {
  const text = canonicalJson([k.partnerId, k.categoryKey, k.mode, k.stage, k.outcome, k.reasons, k.agreementVersionId, k.clauseKeys, k.consentVersion]);
  return Number(createHash("sha256").update(text).digest().readBigUInt64BE(0) >> 11n);
}

/** A reason's JSON, once per reason object (the engine hands out the same objects again and again). */
const reasonTexts = new WeakMap<object, string>();
function reasonText(r: DecisionReason): string {
  let t = reasonTexts.get(r);
  if (t === undefined) reasonTexts.set(r, (t = JSON.stringify(r)));
  return t;
}

/** Kinds seen by this process, by a cheap key (the content id is computed once per kind). */
const kinds = new Map<string, DecisionKind>();

function kindOf(d: DecisionInsert): DecisionKind {
  const avid = d.agreementVersionId ?? null;
  const clauseKeys = d.clauseKeys ?? [];
  const consentVersion = d.consentVersion ?? null;
  let key = `${d.partnerId}\u0001${d.categoryKey}\u0001${d.mode}\u0001${d.stage}\u0001${d.outcome}\u0001${avid}\u0001${clauseKeys.join("\u0002")}\u0001${consentVersion}`;
  for (const r of d.reasons) key += `\u0001${reasonText(r)}`;
  let k = kinds.get(key);
  if (!k) {
    // As the database will give it back: JSON through JSON.
    const reasons = JSON.parse(JSON.stringify(d.reasons)) as unknown[];
    const content = { partnerId: d.partnerId, categoryKey: d.categoryKey, mode: d.mode, stage: d.stage, outcome: d.outcome, reasons, agreementVersionId: avid, clauseKeys: [...clauseKeys], consentVersion };
    k = {
      ...content,
      id: kindId(content),
      reportReason: reportReason(d.outcome, reasons as { code: string }[]),
      leaf: {
        partner: encode(content.partnerId),
        categoryToOutcome: [content.categoryKey, content.mode, content.stage, content.outcome].map(encode).join(","),
        reasonsToConsent: [reasons, avid, content.clauseKeys, consentVersion].map(encode).join(","),
      },
    };
    if (kinds.size > 50_000) kinds.clear();
    kinds.set(key, k);
  }
  return k;
}

/**
 * The leaf of a decision being written, from its kind's pre-encoded fields: the same text as
 * `decisionLeaf` of the row the `decisions` view gives back (a test holds the two together).
 */
function writtenLeaf(id: number, batch: number, stateEventId: number | null, homeId: string, deviceId: string, k: DecisionKind, linkId: string | null, sent: string, observedMs: number, decidedMs: number): Buffer {
  return leafHashBytes(
    `[${id},${batch},${stateEventId ?? "null"},${JSON.stringify(homeId)},${JSON.stringify(deviceId)},${k.leaf.partner},${linkId == null ? "null" : JSON.stringify(linkId)},` +
      `${k.leaf.categoryToOutcome},${sent},${k.leaf.reasonsToConsent},${observedMs},${decidedMs}]`,
  );
}

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
  return written ? sealBatch(tx, written, opts) : null;
}

/** A batch written but not yet sealed: seal it (`sealBatch`) before the transaction commits. */
export interface WrittenBatch {
  batch: number;
  root: string;
  /** The decisions' ids, ascending (the leaves' order). */
  ids: number[];
  /** Report totals: day ‖ partner ‖ category ‖ mode ‖ outcome ‖ reason → count. */
  totals: Map<string, number>;
  outcomes: Record<string, number>;
}

/**
 * The first half of `sealDecisions`: ids and batch number reserved, rows written. Callers with more
 * to write in the same transaction seal last, so the chain's head is locked only for the commit.
 * Callers that reserved the ids and the batch number already (`reserveForBatch`) pass the batch.
 */
export async function writeDecisions(tx: Executor, input: DecisionInsert[], reserved?: { batch: number }): Promise<WrittenBatch | null> {
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

  const n = withIds.length;
  // Rows of one change share their state event, home, device and times: those go once per
  // "subject" (a run of rows sharing them), and each row names its subject and link by number.
  // A third of the bytes, and a third of the uuids and timestamps for the database to parse.
  const ids = new Array<number>(n), subjectOf = new Array<number>(n), linkOf = new Array<number>(n), kindIds = new Array<number>(n), sents = new Array<string | null>(n);
  const subject = { events: [] as number[], homes: [] as string[], devices: [] as string[], observed: [] as string[], decided: [] as string[] };
  const links = new Map<string, number>();
  const leaves = new Array<Buffer>(n);
  const batchKinds = new Map<number, DecisionKind>();
  /** day → kind id → decisions, for the report totals. */
  const perDay = new Map<string, Map<number, number>>();
  let lastDecided: Date | string | undefined, lastDecidedMs = 0, lastDecidedIso = "", dayCounts = new Map<number, number>();
  let lastObservedMs = NaN, lastObservedIso = "";
  let prev: DecisionInsert | null = null;
  let prevDecidedMs = NaN;
  for (let i = 0; i < n; i++) {
    const { id, d } = withIds[i]!;
    const k = kindOf(d);
    batchKinds.set(k.id, k);
    // Dates to the millisecond, as the database keeps them; rows of one change share `observedAt`,
    // most rows of a batch share `decidedAt`.
    const observedMs = d.observedAt instanceof Date ? d.observedAt.getTime() : Date.parse(d.observedAt);
    const sameObserved = observedMs === lastObservedMs;
    if (!sameObserved) {
      lastObservedMs = observedMs;
      lastObservedIso = new Date(observedMs).toISOString();
    }
    if (d.decidedAt === undefined || d.decidedAt !== lastDecided) {
      const dd = toDate(d.decidedAt);
      lastDecided = d.decidedAt;
      lastDecidedMs = dd.getTime();
      lastDecidedIso = dd.toISOString();
      const day = lastDecidedIso.slice(0, 10);
      dayCounts = perDay.get(day) ?? perDay.set(day, new Map()).get(day)!;
    }
    const event = d.stateEventId ?? null;
    if (
      prev === null ||
      (prev.stateEventId ?? null) !== event ||
      prev.homeId !== d.homeId ||
      prev.deviceId !== d.deviceId ||
      !sameObserved ||
      prevDecidedMs !== lastDecidedMs
    ) {
      // 0 stands for "no state event": the array stays free of NULLs, so indexing it is O(1).
      subject.events.push(event ?? 0);
      subject.homes.push(d.homeId);
      subject.devices.push(d.deviceId);
      subject.observed.push(lastObservedIso);
      subject.decided.push(lastDecidedIso);
      prev = d;
      prevDecidedMs = lastDecidedMs;
    }
    const link = d.linkId ?? null;
    let l = 0; // out of range: NULL
    if (link !== null) {
      l = links.get(link) ?? 0;
      if (l === 0) links.set(link, (l = links.size + 1));
    }
    // One text for both the leaf and the column: canonical JSON is JSON, and the database gives
    // back the same values (a JSON number, string, boolean or null reads back as itself).
    const sent = d.sentProperties == null ? null : canonicalJson(d.sentProperties);
    ids[i] = id;
    subjectOf[i] = subject.events.length;
    linkOf[i] = l;
    kindIds[i] = k.id;
    sents[i] = sent;
    leaves[i] = writtenLeaf(id, batch, event, d.homeId, d.deviceId, k, link, sent ?? "null", observedMs, lastDecidedMs);
    dayCounts.set(k.id, (dayCounts.get(k.id) ?? 0) + 1);
  }
  const totals = new Map<string, number>();
  const outcomes: Record<string, number> = {};
  for (const [day, counts] of perDay) {
    for (const [kind, count] of counts) {
      const k = batchKinds.get(kind)!;
      const key = `${day}\u0001${k.partnerId}\u0001${k.categoryKey}\u0001${k.mode}\u0001${k.outcome}\u0001${k.reportReason}`;
      totals.set(key, (totals.get(key) ?? 0) + count);
      outcomes[k.outcome] = (outcomes[k.outcome] ?? 0) + count;
    }
  }
  const levels = merkleLevels(leaves);
  const root = levels.at(-1)![0]!.toString("hex");
  // Batches larger than one chunk keep their chunk roots, so a proof reads one chunk (proofs.ts).
  const chunkRoots = levels.length > CHUNK_LEVEL + 1 ? levels[CHUNK_LEVEL]!.map((h) => h.toString("hex")) : [];

  // New kinds first (in id order, so concurrent writers never wait on each other in a cycle), then
  // the rows, in one statement.
  const ks = [...batchKinds.values()].sort((a, b) => a.id - b.id);
  await tx.execute(sql`
    with new_kinds as (
      insert into decision_kinds (id, partner_id, category_key, mode, stage, outcome, reasons, agreement_version_id, clause_keys, consent_version)
      select id, partner, category, mode, stage, outcome, reasons, version, keys::text[], consent
        from unnest(
          ${plainArray(ks.map((k) => k.id))}::bigint[], ${textArray(ks.map((k) => k.partnerId))}::text[], ${textArray(ks.map((k) => k.categoryKey))}::text[],
          ${plainArray(ks.map((k) => k.mode))}::share_mode[], ${plainArray(ks.map((k) => k.stage))}::decision_stage[],
          ${plainArray(ks.map((k) => k.outcome))}::decision_outcome[], ${jsonArray(ks.map((k) => k.reasons))}::jsonb[],
          ${plainArray(ks.map((k) => k.agreementVersionId))}::uuid[], ${textArray(ks.map((k) => textArray(k.clauseKeys)))}::text[],
          ${plainArray(ks.map((k) => k.consentVersion))}::int[]
        ) with ordinality as t(id, partner, category, mode, stage, outcome, reasons, version, keys, consent, n)
       order by n
      on conflict (id) do nothing
    ),
    chunks as (
      insert into decision_batch_chunks (audit_batch, chunk, hash)
      select ${batch}::bigint, (n - 1)::int, h from unnest(${textArray(chunkRoots)}::text[]) with ordinality as c(h, n)
    ),
    subject as materialized (
      select ${plainArray(subject.events)}::bigint[] as ev, ${plainArray(subject.homes)}::uuid[] as home, ${plainArray(subject.devices)}::uuid[] as dev,
             ${plainArray(subject.observed)}::timestamptz[] as observed, ${plainArray(subject.decided)}::timestamptz[] as decided,
             ${plainArray([...links.keys()])}::uuid[] as link
    )
    insert into decision_rows (id, audit_batch, state_event_id, home_id, device_id, link_id, kind_id, sent_properties, observed_at, decided_at)
    select t.id, ${batch}::bigint, nullif(s.ev[t.subj], 0), s.home[t.subj], s.dev[t.subj], s.link[t.lnk], t.kind, t.sent, s.observed[t.subj], s.decided[t.subj]
      from subject s, unnest(
        ${plainArray(ids)}::bigint[], ${plainArray(subjectOf)}::int[], ${plainArray(linkOf)}::int[], ${plainArray(kindIds)}::bigint[], ${textArray(sents)}::jsonb[]
      ) as t(id, subj, lnk, kind, sent)`);

  return { batch, root, ids, totals, outcomes };
}

/** The second half: report totals, then the chain entry with the batch's Merkle root. */
export async function sealBatch(tx: Executor, written: WrittenBatch, opts: { stage: string; actorId?: string | null }): Promise<SealResult> {
  const { batch, root, ids, totals, outcomes } = written;
  // Running totals for reports, in one fixed key order so concurrent batches never deadlock.
  const keys = [...totals.keys()].sort();
  const cols = keys.map((k) => k.split("\u0001"));
  await tx.execute(sql`
    insert into decision_daily_stats (day, partner_id, category_key, mode, outcome, reason_code, count)
    select * from unnest(${plainArray(cols.map((c) => c[0]))}::date[], ${textArray(cols.map((c) => c[1]))}::text[], ${textArray(cols.map((c) => c[2]))}::text[],
                         ${plainArray(cols.map((c) => c[3]))}::share_mode[], ${plainArray(cols.map((c) => c[4]))}::decision_outcome[],
                         ${textArray(cols.map((c) => c[5]))}::text[], ${plainArray(keys.map((k) => totals.get(k)!))}::bigint[])
    on conflict (day, partner_id, category_key, mode, outcome, reason_code) do update set count = decision_daily_stats.count + excluded.count`);

  const [entry] = await appendAudit(tx, {
    actorId: opts.actorId ?? null,
    action: "decisions.sealed",
    entityType: "decision_batch",
    entityId: String(batch),
    details: { stage: opts.stage, count: ids.length, firstId: ids[0]!, lastId: ids.at(-1)!, outcomes },
    merkleRoot: root,
  });
  return { batch, ids, root, entry: entry! };
}
