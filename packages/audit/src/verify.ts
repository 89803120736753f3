// Verification: walks the chain in order, recomputes every entry's hash and every sealed batch's
// Merkle root from the decisions as they are now, checks every signed checkpoint against the log,
// and names the first entry that fails. Catches altered, deleted, inserted and reordered entries
// and decisions (ids and batch numbers are inside the hashes).
import { auditHead, auditLog, type Executor } from "@proviso/db";
import { and, asc, eq, gt, lte, sql } from "drizzle-orm";
import { entryHash, GENESIS_HASH } from "./chain";
import { checkSignature, toExport, type CheckpointExport } from "./checkpoint-format";
import { checkTimestamps } from "./timestamp-store";
import { contradiction } from "./witness";
import type { Keyring } from "./keys";
import { loadSets, type StoredSet } from "./decision-sets";
import type { SealedDecision } from "./decisions";
import { checkBatch } from "./verify-batch";
import { hasSetLeaves, loadBatches } from "./stored-decisions";

export { hasSetLeaves, loadBatches, loadChunks, storedKindTexts } from "./stored-decisions";

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
  /** Checkpoints with a valid time-stamp from a trusted authority. */
  timestamped: number;
  failure: VerifyFailure | null;
  ms: number;
}

export interface VerifyOptions {
  /** First and last entry to verify (default: the whole chain). */
  from?: number;
  to?: number;
  /** The keys whose checkpoints count (the current and the retired ones); without it, no checkpoint is trusted. */
  trusted?: Keyring;
  /** Checkpoints held outside (witnesses, a partner's download): each must still agree with the log. */
  witnessed?: readonly (CheckpointExport & { heldBy?: string })[];
  /** The Time-Stamp Authorities trusted: every checkpoint's tokens from them are checked (and, with `requireOlderThan`, required). */
  timestamps?: Parameters<typeof checkTimestamps>[2];
  pageSize?: number;
  onProgress?: (done: number, total: number) => void;
}

type Entry = typeof auditLog.$inferSelect;

/** A failure found: verification stops at the first. */
class Failed extends Error {
  constructor(readonly failure: VerifyFailure) {
    super(failure.message);
  }
}
const failed = (f: VerifyFailure): never => {
  throw new Failed(f);
};

export async function verifyChain(db: Executor, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const started = performance.now();
  const [head] = await db.select().from(auditHead).where(eq(auditHead.id, 1));
  const headSeq = head?.seq ?? 0;
  const from = Math.max(1, opts.from ?? 1);
  const to = Math.min(opts.to ?? headSeq, headSeq);
  const report: VerifyReport = { ok: true, from, to, entries: 0, batches: 0, decisions: 0, checkpoints: 0, timestamped: 0, failure: null, ms: 0 };
  try {
    const walk = new ChainWalk(db, report, await hashBefore(db, from));
    await walk.entries(from, to, opts);
    // The head must be the last entry: a deleted tail shows here (and in every checkpoint after it).
    if (opts.to === undefined && head && headSeq > 0 && head.hash !== walk.prevHash) {
      failed({ seq: headSeq, kind: "head", message: `the chain's head says entry #${headSeq} has a different hash: entries were rewritten` });
    }
    const cps = await checkCheckpoints(db, report, walk.hashes, { from, to, open: opts.to === undefined, trusted: opts.trusted ?? new Map() });
    if (opts.witnessed?.length) {
      const contradicted = await contradiction(db, opts.witnessed, opts.trusted ?? new Map());
      if (contradicted) failed({ seq: contradicted.seq, kind: "checkpoint", message: contradicted.message });
    }
    if (opts.timestamps) {
      const stamps = await checkTimestamps(db, cps, opts.timestamps);
      if ("message" in stamps) failed({ seq: stamps.seq, kind: "checkpoint", message: stamps.message });
      else report.timestamped = stamps.stamped;
    }
    if (opts.from === undefined && opts.to === undefined) await checkAllSealed(db);
  } catch (err) {
    if (!(err instanceof Failed)) throw err;
    report.ok = false;
    report.failure = err.failure;
  }
  report.ms = Math.round(performance.now() - started);
  return report;
}

/** Where a range starts: the genesis hash, or the stored hash of the entry before it. */
async function hashBefore(db: Executor, from: number): Promise<string> {
  if (from <= 1) return GENESIS_HASH;
  const [before] = await db
    .select({ hash: auditLog.hash })
    .from(auditLog)
    .where(eq(auditLog.seq, from - 1));
  return before?.hash ?? failed({ seq: from - 1, kind: "missing_entry", message: `entry #${from - 1} is missing` });
}

/** One walk along the chain: each entry's link and hash recomputed, each sealed batch checked, in order. */
class ChainWalk {
  /** Every entry's hash as verified (checkpoints are compared with them). */
  readonly hashes = new Map<number, string>();
  private readonly kindCache = new Map<number, string | null>();
  private expected = 0;
  private batches = new Map<number, SealedDecision[]>();
  private setBatches = new Map<number, StoredSet[]>();

  constructor(
    private readonly db: Executor,
    private readonly report: VerifyReport,
    public prevHash: string,
  ) {}

  async entries(from: number, to: number, opts: VerifyOptions) {
    this.expected = from;
    let cursor = from - 1;
    while (cursor < to) {
      const page = await this.db
        .select()
        .from(auditLog)
        .where(and(gt(auditLog.seq, cursor), lte(auditLog.seq, to)))
        .orderBy(asc(auditLog.seq))
        .limit(opts.pageSize ?? 2_000);
      if (page.length === 0) break;
      this.batches = new Map();
      this.setBatches = new Map();
      for (const [index, e] of page.entries()) await this.entry(page, index, e);
      cursor = page.at(-1)!.seq;
      opts.onProgress?.(cursor - from + 1, to - from + 1);
    }
    if (this.expected <= to) failed({ seq: this.expected, kind: "missing_entry", message: `entries #${this.expected}–#${to} are missing` });
  }

  private async entry(page: Entry[], index: number, e: Entry) {
    const batch = Number(e.entityId);
    if (e.entityType === "decision_batch" && !this.batches.has(batch) && !this.setBatches.has(batch)) await this.loadFrom(page, index);
    if (e.seq !== this.expected)
      failed({ seq: this.expected, kind: "missing_entry", message: `entry #${this.expected} is missing (the next entry is #${e.seq})` });
    if (e.prevHash !== this.prevHash) {
      failed({
        seq: e.seq,
        kind: "chain_link",
        message: `entry #${e.seq} does not follow entry #${e.seq - 1}: its previous-hash is not that entry's hash (entries removed, inserted or reordered)`,
      });
    }
    const { seq, at, actorId, action, entityType, entityId, details, merkleRoot } = e;
    if (entryHash(this.prevHash, { seq, at, actorId, action, entityType, entityId, details, merkleRoot }) !== e.hash) {
      failed({ seq, kind: "entry_hash", message: `entry #${seq} (${action} ${entityType} ${entityId}) was altered: its content no longer matches its hash` });
    }
    if (e.entityType === "decision_batch") {
      const problem = await checkBatch(this.db, e, { perDecision: this.batches.get(batch), sets: this.setBatches.get(batch) }, this.kindCache);
      if (problem) {
        failed({
          seq,
          kind: "batch_root",
          message: `entry #${seq} seals decision batch ${entityId} (decisions ${String(details.firstId)}–${String(details.lastId)}): ${problem}`,
        });
      }
      this.report.batches++;
      this.report.decisions += Number(details.count);
    }
    this.hashes.set(seq, e.hash);
    this.prevHash = e.hash;
    this.expected = seq + 1;
    this.report.entries++;
  }

  /** The decisions of the page's batches from `index` on, a few batches at a time (about 50,000 decisions), never a whole page's worth. */
  private async loadFrom(page: Entry[], index: number) {
    const perDecision: number[] = [];
    const perSet: number[] = [];
    let rows = 0;
    for (let j = index; j < page.length && (perDecision.length + perSet.length === 0 || rows < 50_000); j++) {
      const e = page[j]!;
      if (e.entityType !== "decision_batch") continue;
      (hasSetLeaves(e.details) ? perSet : perDecision).push(Number(e.entityId));
      rows += Number(e.details.count) || 0;
    }
    [this.batches, this.setBatches] = await Promise.all([loadBatches(this.db, perDecision), loadSets(this.db, perSet)]);
  }
}

/**
 * Every checkpoint up to the range's end: its signature by a trusted key, that it follows the one
 * before it (v2: checkpoints chain, so one removed or forged shows), and for those in the range,
 * that the log still has what it signed. Without an upper bound, checkpoints past the log's end
 * count too: they prove a removed tail. A rewritten stretch is named by the checkpoints around it.
 */
async function checkCheckpoints(
  db: Executor,
  report: VerifyReport,
  hashes: Map<number, string>,
  o: { from: number; to: number; open: boolean; trusted: Keyring },
): Promise<CheckpointExport[]> {
  const checked: CheckpointExport[] = [];
  // Every column (`*`): a database not yet migrated to chained checkpoints (no version, prev_seq, prev_hash) verifies too.
  const raw = (await db.execute(sql`select * from audit_checkpoints ${o.open ? sql`` : sql`where upto_seq <= ${o.to}`} order by upto_seq, id`)) as unknown as {
    rows: Record<string, unknown>[];
  };
  const rows = raw.rows.map((r) => ({
    id: Number(r.id),
    uptoSeq: Number(r.upto_seq),
    headHash: String(r.head_hash),
    keyId: String(r.key_id),
    publicKey: String(r.public_key),
    signature: String(r.signature),
    createdAt: new Date(r.created_at as string),
    version: Number(r.version ?? 1),
    prevSeq: r.prev_seq == null ? null : Number(r.prev_seq),
    prevHash: (r.prev_hash as string | null) ?? null,
    prevId: r.prev_id == null ? null : Number(r.prev_id),
  }));
  let before: { id: number; uptoSeq: number; headHash: string } | null = null;
  /** The last checkpoint whose entry still has the hash it signed. */
  let holds = 0;
  for (const row of rows) {
    const cp = toExport(row);
    const bad = checkSignature(cp, o.trusted);
    if (bad) failed({ seq: cp.uptoSeq, kind: "checkpoint", message: `checkpoint ${cp.id}: ${bad}` });
    if (cp.prevSeq !== null && (cp.prevSeq !== (before?.uptoSeq ?? 0) || cp.prevHash !== (before?.headHash ?? GENESIS_HASH))) {
      failed({
        seq: cp.uptoSeq,
        kind: "checkpoint",
        message:
          cp.prevSeq > (before?.uptoSeq ?? 0)
            ? `checkpoint ${cp.id} follows a checkpoint of entry #${cp.prevSeq} that is no longer here: checkpoints were removed`
            : `checkpoint ${cp.id} does not follow checkpoint ${before?.id ?? "(none)"}: it signed a different predecessor (#${cp.prevSeq})`,
      });
    }
    before = { id: cp.id, uptoSeq: cp.uptoSeq, headHash: cp.headHash };
    if (cp.uptoSeq < o.from) continue;
    if (cp.uptoSeq > o.to) {
      failed({
        seq: cp.uptoSeq,
        kind: "checkpoint",
        message: `checkpoint ${cp.id} signed entry #${cp.uptoSeq}, but the log now ends at #${o.to}: entries were removed`,
      });
    }
    if (hashes.get(cp.uptoSeq) !== cp.headHash) {
      const first = Math.max(holds, o.from - 1) + 1;
      failed({
        seq: first,
        kind: "checkpoint",
        message: `checkpoint ${cp.id} signed entry #${cp.uptoSeq} with a hash the log no longer has: entries #${first}–#${cp.uptoSeq} were rewritten (and re-hashed) after ${holds ? `the checkpoint of entry #${holds}, which still holds` : "the chain began"}`,
      });
    }
    holds = cp.uptoSeq;
    report.checkpoints++;
    checked.push(cp);
  }
  return checked;
}

/** Decisions that no entry in the chain seals (inserted behind the log's back, or moved). */
async function checkAllSealed(db: Executor) {
  const unsealed = (await db.execute(sql`
    select d.audit_batch as batch, count(*)::int as n, min(d.id) as first from decisions d
     where not exists (select 1 from audit_log a where a.entity_type = 'decision_batch' and a.entity_id = d.audit_batch::text)
     group by d.audit_batch order by d.audit_batch limit 1`)) as unknown as { rows: { batch: string; n: number; first: string }[] };
  const u = unsealed.rows[0];
  if (u)
    failed({ seq: null, kind: "unsealed_decisions", message: `${u.n} decision(s) in batch ${u.batch} (from id ${u.first}) are sealed by no entry of the log` });
}
