// The legal area's view of the audit log: recent entries, checkpoints, verification on demand.
import { createCheckpoint, listCheckpoints, verifyChain, type Signer } from "@proviso/audit";
import { auditHead, auditLog, users, type Executor } from "@proviso/db";
import { desc, eq, lte } from "drizzle-orm";
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

export async function verifyAuditLog(db: Executor, opts: { from?: number | null; to?: number | null; signer: Signer | null }) {
  if (opts.from && opts.to && opts.from > opts.to) throw new AppError("INVALID", "The range is empty", { to: ["The last entry cannot be before the first"] });
  return verifyChain(db, { from: opts.from ?? undefined, to: opts.to ?? undefined, trustedPublicKey: opts.signer?.publicKey });
}

export async function signCheckpointNow(db: Executor, signer: Signer | null) {
  if (!signer) throw new AppError("CONFLICT", "No signing key is configured (AUDIT_SIGNING_KEY): checkpoints cannot be signed.");
  return (await createCheckpoint(db, signer)) ?? (await listCheckpoints(db, 1))[0] ?? null;
}

export { listCheckpoints };
