// Verification: walks the chain in order, recomputes every entry's hash and every sealed batch's
// Merkle root from the decisions as they are now, checks every signed checkpoint against the log,
// and names the first entry that fails. Catches altered, deleted, inserted and reordered entries
// and decisions (ids and batch numbers are inside the hashes).
import { auditCheckpoints, auditHead, auditLog, decisionKinds, decisions, type Executor } from "@proviso/db";
import { and, asc, eq, gt, inArray, lte, sql } from "drizzle-orm";
import { entryHash, GENESIS_HASH } from "./chain";
import { checkSignature } from "./checkpoints";
import { loadSets, SET_LEAVES, setLeafText, type StoredSet } from "./decision-sets";
import { decisionLeaf, LEAF_FIELDS, type SealedDecision } from "./decisions";
import { digestOfKindText, kindText } from "./kinds";
import { leafHash, merkleRoot } from "./merkle";

export interface VerifyFailure {
  /** The first entry that fails (or, for decisions no entry seals, the batch). */
  seq: number | null;
  kind: "entry_hash" | "chain_link" | "missing_entry" | "batch_root" | "unsealed_decisions" | "checkpoint" | "head";
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  from: number;
  to: number;
  entries: number;
  batches: number;
  decisions: number;
  checkpoints: number;
  failure: VerifyFailure | null;
  ms: number;
}

export interface VerifyOptions {
  /** First and last entry to verify (default: the whole chain). */
  from?: number;
  to?: number;
  /** Only accept checkpoints signed by this public key (base64). */
  trustedPublicKey?: string;
  pageSize?: number;
  onProgress?: (done: number, total: number) => void;
}

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

export async function verifyChain(db: Executor, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const started = performance.now();
  const [head] = await db.select().from(auditHead).where(eq(auditHead.id, 1));
  const headSeq = head?.seq ?? 0;
  const from = Math.max(1, opts.from ?? 1);
  const to = Math.min(opts.to ?? headSeq, headSeq);
  const pageSize = opts.pageSize ?? 2_000;
  const report: VerifyReport = { ok: true, from, to, entries: 0, batches: 0, decisions: 0, checkpoints: 0, failure: null, ms: 0 };
  const fail = (f: VerifyFailure) => {
    report.ok = false;
    report.failure = f;
    report.ms = Math.round(performance.now() - started);
    return report;
  };

  // Where the range starts: the genesis hash, or the stored hash of the entry before it.
  let prevHash = GENESIS_HASH;
  if (from > 1) {
    const [before] = await db
      .select({ hash: auditLog.hash })
      .from(auditLog)
      .where(eq(auditLog.seq, from - 1));
    if (!before) return fail({ seq: from - 1, kind: "missing_entry", message: `entry #${from - 1} is missing` });
    prevHash = before.hash;
  }
  const hashes = new Map<number, string>();
  const kindCache = new Map<number, string | null>();
  let expected = from;
  let cursor = from - 1;
  while (cursor < to) {
    const page = await db
      .select()
      .from(auditLog)
      .where(and(gt(auditLog.seq, cursor), lte(auditLog.seq, to)))
      .orderBy(asc(auditLog.seq))
      .limit(pageSize);
    if (page.length === 0) break;
    // Decisions are loaded a few batches at a time (about 50,000 decisions), never a whole page's worth.
    let batches = new Map<number, SealedDecision[]>();
    let setBatches = new Map<number, StoredSet[]>();
    const loadFrom = async (index: number) => {
      const perDecision: number[] = [],
        perSet: number[] = [];
      let rows = 0;
      for (let j = index; j < page.length && (perDecision.length + perSet.length === 0 || rows < 50_000); j++) {
        const e = page[j]!;
        if (e.entityType !== "decision_batch") continue;
        (hasSetLeaves(e.details) ? perSet : perDecision).push(Number(e.entityId));
        rows += Number(e.details.count) || 0;
      }
      [batches, setBatches] = await Promise.all([loadBatches(db, perDecision), loadSets(db, perSet)]);
    };
    for (const [index, e] of page.entries()) {
      const batch = Number(e.entityId);
      if (e.entityType === "decision_batch" && !batches.has(batch) && !setBatches.has(batch)) await loadFrom(index);
      if (e.seq !== expected) {
        return fail({ seq: expected, kind: "missing_entry", message: `entry #${expected} is missing (the next entry is #${e.seq})` });
      }
      if (e.prevHash !== prevHash) {
        return fail({
          seq: e.seq,
          kind: "chain_link",
          message: `entry #${e.seq} does not follow entry #${e.seq - 1}: its previous-hash is not that entry's hash (entries removed, inserted or reordered)`,
        });
      }
      const recomputed = entryHash(prevHash, {
        seq: e.seq,
        at: e.at,
        actorId: e.actorId,
        action: e.action,
        entityType: e.entityType,
        entityId: e.entityId,
        details: e.details,
        merkleRoot: e.merkleRoot,
      });
      if (recomputed !== e.hash) {
        return fail({
          seq: e.seq,
          kind: "entry_hash",
          message: `entry #${e.seq} (${e.action} ${e.entityType} ${e.entityId}) was altered: its content no longer matches its hash`,
        });
      }
      if (e.entityType === "decision_batch") {
        let problem: string | null;
        if (hasSetLeaves(e.details)) {
          const sets = setBatches.get(batch) ?? [];
          problem = await checkSetBatch(db, sets, e.details, e.merkleRoot, kindCache);
        } else {
          const rows = batches.get(batch) ?? [];
          const expectedCount = Number(e.details.count);
          problem =
            rows.length !== expectedCount
              ? `${expectedCount} decisions were sealed, ${rows.length} are there now`
              : merkleRoot(rows.map(decisionLeaf)) !== e.merkleRoot
                ? "a decision in it was altered or moved"
                : null;
        }
        if (problem) {
          return fail({
            seq: e.seq,
            kind: "batch_root",
            message: `entry #${e.seq} seals decision batch ${e.entityId} (decisions ${String(e.details.firstId)}–${String(e.details.lastId)}): ${problem}`,
          });
        }
        report.batches++;
        report.decisions += Number(e.details.count);
      }
      hashes.set(e.seq, e.hash);
      prevHash = e.hash;
      expected = e.seq + 1;
      report.entries++;
    }
    cursor = page.at(-1)!.seq;
    opts.onProgress?.(cursor - from + 1, to - from + 1);
  }
  if (expected <= to) return fail({ seq: expected, kind: "missing_entry", message: `entries #${expected}–#${to} are missing` });

  // The head must be the last entry: a deleted tail shows here (and in every checkpoint after it).
  if (opts.to === undefined && head && headSeq > 0 && head.hash !== prevHash) {
    return fail({ seq: headSeq, kind: "head", message: `the chain's head says entry #${headSeq} has a different hash: entries were rewritten` });
  }

  // Every checkpoint in the range: its signature, and that the log still has what it signed.
  // Without an upper bound, checkpoints past the log's end count too: they prove a removed tail.
  const cps = await db
    .select()
    .from(auditCheckpoints)
    .where(and(gt(auditCheckpoints.uptoSeq, from - 1), opts.to === undefined ? undefined : lte(auditCheckpoints.uptoSeq, to)))
    .orderBy(asc(auditCheckpoints.uptoSeq));
  for (const cp of cps) {
    const bad = checkSignature({ ...cp, createdAt: cp.createdAt.toISOString() }, opts.trustedPublicKey);
    if (bad) return fail({ seq: cp.uptoSeq, kind: "checkpoint", message: `checkpoint ${cp.id}: ${bad}` });
    if (cp.uptoSeq > to) {
      return fail({
        seq: cp.uptoSeq,
        kind: "checkpoint",
        message: `checkpoint ${cp.id} signed entry #${cp.uptoSeq}, but the log now ends at #${to}: entries were removed`,
      });
    }
    if (hashes.get(cp.uptoSeq) !== cp.headHash) {
      return fail({ seq: cp.uptoSeq, kind: "checkpoint", message: `checkpoint ${cp.id} signed entry #${cp.uptoSeq} with a hash the log no longer has` });
    }
    report.checkpoints++;
  }

  // Decisions that no entry in the chain seals (inserted behind the log's back, or moved).
  if (opts.from === undefined && opts.to === undefined) {
    const unsealed = (await db.execute(sql`
      select d.audit_batch as batch, count(*)::int as n, min(d.id) as first from decisions d
       where not exists (select 1 from audit_log a where a.entity_type = 'decision_batch' and a.entity_id = d.audit_batch::text)
       group by d.audit_batch order by d.audit_batch limit 1`)) as unknown as { rows: { batch: string; n: number; first: string }[] };
    const u = unsealed.rows[0];
    if (u)
      return fail({
        seq: null,
        kind: "unsealed_decisions",
        message: `${u.n} decision(s) in batch ${u.batch} (from id ${u.first}) are sealed by no entry of the log`,
      });
  }
  report.ms = Math.round(performance.now() - started);
  return report;
}
