// "Was this shared?": for a home or a device, a partner and a time range, every decision the
// ledger holds — with an inclusion proof of each against the audit chain and a signed checkpoint.
import { proveDecisions, type InclusionProof } from "@proviso/audit";
import { categoryName } from "@proviso/domain";
import { decisions, devices, homes, type Executor } from "@proviso/db";
import { and, asc, eq, gte, lt, type SQL } from "drizzle-orm";
import { AppError } from "../errors";

export interface WasSharedQuery {
  homeId?: string | null;
  deviceId?: string | null;
  partnerId: string;
  from: Date;
  to: Date;
  /** At most this many decisions (the answer says when there are more). */
  limit?: number;
}

export async function wasShared(db: Executor, q: WasSharedQuery) {
  if (!q.homeId && !q.deviceId) throw new AppError("INVALID", "Say which home or device", { homeId: ["Give a home or a device"] });
  if (q.to <= q.from) throw new AppError("INVALID", "The range is empty", { to: ["The end must be after the start"] });
  const limit = Math.min(q.limit ?? 500, 2_000);
  if (q.homeId && !(await db.select({ id: homes.id }).from(homes).where(eq(homes.id, q.homeId)))[0]) throw new AppError("NOT_FOUND", "No such home");
  const device = q.deviceId ? (await db.select({ id: devices.id, homeId: devices.homeId }).from(devices).where(eq(devices.id, q.deviceId)))[0] : undefined;
  if (q.deviceId && !device) throw new AppError("NOT_FOUND", "No such device");
  const where: SQL[] = [eq(decisions.partnerId, q.partnerId), gte(decisions.decidedAt, q.from), lt(decisions.decidedAt, q.to)];
  if (q.homeId) where.push(eq(decisions.homeId, q.homeId));
  if (device) {
    where.push(eq(decisions.deviceId, device.id));
    // The ledger is indexed by home (a home has a few devices): a device's decisions are its home's.
    if (!q.homeId) where.push(eq(decisions.homeId, device.homeId));
  }
  const rows = await db
    .select({
      id: decisions.id,
      auditBatch: decisions.auditBatch,
      decidedAt: decisions.decidedAt,
      observedAt: decisions.observedAt,
      deviceId: decisions.deviceId,
      homeId: decisions.homeId,
      category: decisions.categoryKey,
      mode: decisions.mode,
      stage: decisions.stage,
      outcome: decisions.outcome,
      sentProperties: decisions.sentProperties,
      reasons: decisions.reasons,
    })
    .from(decisions)
    .where(and(...where))
    .orderBy(asc(decisions.decidedAt), asc(decisions.id))
    .limit(limit + 1);
  const more = rows.length > limit;
  const shown = rows.slice(0, limit);
  const proofs = await proveDecisions(db, shown);
  const items = shown.map((r) => ({ ...r, categoryName: categoryName(r.category), proof: proofs.get(r.id) ?? null }));
  const shared = items.filter((i) => i.outcome !== "withhold").length;
  return {
    query: { ...q, limit },
    summary: {
      decisions: items.length,
      shared,
      withheld: items.length - shared,
      more,
      proven: items.filter((i) => i.proof?.valid).length,
      checkpointed: items.filter((i) => i.proof?.checkpoint).length,
    },
    items,
  };
}

export type WasSharedAnswer = Awaited<ReturnType<typeof wasShared>>;
export type { InclusionProof };
