// The legal area's view of the audit log: recent entries, checkpoints, and verification — run by
// the worker in the background with progress (a whole chain of tens of millions of decisions takes
// minutes), requested from the portal.
import {
  CheckpointRefused,
  createCheckpoint,
  listCheckpoints,
  MAX_STAMP_DELAY_MS,
  publishCheckpoints,
  readWitnesses,
  stampCheckpoints,
  verifyChain,
  type CheckpointExport,
  type Keyring,
  type Signer,
  type TimestampAuthority,
  type VerifyReport,
  type Witness,
} from "@proviso/audit";
import { alerts, auditHead, auditLog, auditVerifications, users, type Executor } from "@proviso/db";
import { and, desc, eq, isNull, lte, sql } from "drizzle-orm";
import { createHash } from "node:crypto";
import { AppError } from "../errors";

export async function listAuditEntries(db: Executor, opts: { beforeSeq?: number | null; limit?: number } = {}) {
  const limit = Math.min(opts.limit ?? 50, 200);
  const rows = await db
    .select({
      seq: auditLog.seq,
      at: auditLog.at,
      action: auditLog.action,
      entityType: auditLog.entityType,
      entityId: auditLog.entityId,
      details: auditLog.details,
      merkleRoot: auditLog.merkleRoot,
      hash: auditLog.hash,
      actorName: users.name,
    })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorId))
    .where(opts.beforeSeq ? lte(auditLog.seq, opts.beforeSeq - 1) : undefined)
    .orderBy(desc(auditLog.seq))
    .limit(limit);
  const [head] = await db.select().from(auditHead).where(eq(auditHead.id, 1));
  return { head: head ? { seq: head.seq, hash: head.hash } : null, entries: rows };
}

/** Asks the worker to verify the chain (or entries `from`–`to`); returns the request. */
export async function requestVerification(db: Executor, opts: { from?: number | null; to?: number | null; userId: string }) {
  if (opts.from && opts.to && opts.from > opts.to) throw new AppError("INVALID", "The range is empty", { to: ["The last entry cannot be before the first"] });
  const [row] = await db
    .insert(auditVerifications)
    .values({ fromSeq: opts.from ?? null, toSeq: opts.to ?? null, requestedById: opts.userId })
    .returning();
  return row!;
}

export async function latestVerification(db: Executor) {
  const [row] = await db.select().from(auditVerifications).orderBy(desc(auditVerifications.createdAt)).limit(1);
  return row ? { ...row, report: (row.result as unknown as VerifyReport | null) ?? null } : null;
}

/** Takes the oldest pending verification (SKIP LOCKED: one worker runs each). */
export async function claimVerification(db: Executor) {
  const r = (await db.execute(sql`
    update audit_verifications set status = 'running'
     where id = (select id from audit_verifications where status = 'pending' order by created_at for update skip locked limit 1)
    returning id`)) as unknown as { rows: { id: string }[] };
  if (!r.rows[0]) return null;
  const [row] = await db.select().from(auditVerifications).where(eq(auditVerifications.id, r.rows[0].id));
  return row ?? null;
}

/** Runs one verification, writing progress about once a second and the report at the end. */
export async function runVerification(
  db: Executor,
  job: { id: string; fromSeq: number | null; toSeq: number | null },
  evidence: { trusted: Keyring; authorities?: readonly TimestampAuthority[]; witnessed?: readonly (CheckpointExport & { heldBy?: string })[] },
): Promise<VerifyReport> {
  const { trusted, authorities = [], witnessed } = evidence;
  let last = 0;
  let pending: Promise<unknown> = Promise.resolve();
  try {
    const report = await verifyChain(db, {
      from: job.fromSeq ?? undefined,
      to: job.toSeq ?? undefined,
      trusted,
      witnessed,
      // Every checkpoint older than a TSA's longest plausible outage must carry a valid time-stamp.
      timestamps: authorities.length ? { authorities, requireOlderThan: new Date(Date.now() - MAX_STAMP_DELAY_MS) } : undefined,
      onProgress(done, total) {
        if (Date.now() - last < 1_000) return;
        last = Date.now();
        pending = db.update(auditVerifications).set({ processed: done, total }).where(eq(auditVerifications.id, job.id));
      },
    });
    await pending;
    await db
      .update(auditVerifications)
      .set({
        status: "done",
        processed: report.entries,
        total: report.to - report.from + 1,
        result: report as unknown as Record<string, unknown>,
        finishedAt: new Date(),
      })
      .where(eq(auditVerifications.id, job.id));
    return report;
  } catch (err) {
    await pending.catch(() => {});
    await db
      .update(auditVerifications)
      .set({ status: "failed", error: (err as Error).message, finishedAt: new Date() })
      .where(eq(auditVerifications.id, job.id));
    throw err;
  }
}

/** Signs a checkpoint now (legal's button): refused, loudly, if the chain does not extend the last one. */
export async function signCheckpointNow(
  db: Executor,
  signer: Signer | null,
  trusted: Keyring,
  authorities: readonly TimestampAuthority[] = [],
  witnesses: readonly Witness[] = [],
) {
  if (!signer) throw new AppError("CONFLICT", "No signing key is configured (AUDIT_SIGNING_KEY or AUDIT_SIGNER_URL): checkpoints cannot be signed.");
  try {
    const witnessed = await readWitnesses(witnesses);
    for (const problem of witnessed.unreadable) await raiseIntegrityAlert(db, `A witness cannot be read: ${problem}`, new Date());
    const cp = (await createCheckpoint(db, signer, new Date(), { trusted, witnessed })) ?? (await listCheckpoints(db, 1))[0] ?? null;
    // Time-stamped and handed to the witnesses at once (one that is down is asked again by the worker).
    await stampCheckpoints(db, authorities, { newestOnly: true });
    await publishCheckpoints(db, witnesses, { limit: 1, held: witnessed });
    return cp;
  } catch (err) {
    if (!(err instanceof CheckpointRefused)) throw err;
    await raiseIntegrityAlert(db, `Checkpoint refused: ${err.message}`, new Date());
    throw new AppError("CONFLICT", `The checkpoint was refused: ${err.message}`);
  }
}

/**
 * An alert that the evidence does not hold (a checkpoint refused, a verification failed): for
 * legal, on the audit page, until acknowledged. The same finding raises one alert, not one a tick.
 */
export async function raiseIntegrityAlert(db: Executor, message: string, now: Date): Promise<void> {
  const digest = createHash("sha256").update(message).digest("hex");
  const subjectId = `${digest.slice(0, 8)}-${digest.slice(8, 12)}-4${digest.slice(13, 16)}-8${digest.slice(17, 20)}-${digest.slice(20, 32)}`;
  await db
    .insert(alerts)
    .values({ kind: "audit_integrity", partnerId: null, subjectId, thresholdDays: 0, message: message.slice(0, 1_000), dueAt: now, raisedAt: now })
    .onConflictDoNothing();
}

/** The integrity alerts not yet acknowledged, newest first. */
export async function listIntegrityAlerts(db: Executor) {
  return db
    .select({ id: alerts.id, message: alerts.message, raisedAt: alerts.raisedAt })
    .from(alerts)
    .where(and(eq(alerts.kind, "audit_integrity"), isNull(alerts.acknowledgedAt)))
    .orderBy(desc(alerts.raisedAt))
    .limit(20);
}

export { listCheckpoints };
