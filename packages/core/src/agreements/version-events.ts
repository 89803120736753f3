import { appendAudit } from "@proviso/audit";
import { agreementVersionEvents, agreementVersions, type Executor } from "@proviso/db";
import { and, eq, inArray, type SQL } from "drizzle-orm";
import { AppError } from "../errors";

type Status = (typeof agreementVersions.$inferSelect)["status"];

/**
 * Moves a version from one of `from` to `to` and records who and when, in the caller's
 * transaction. Guards on state at entry: a version already moved (a double click, two reviewers)
 * fails with CONFLICT instead of being moved twice.
 */
export async function transitionVersion(
  tx: Executor,
  opts: {
    versionId: string;
    from: Status[];
    to: Status;
    actorId: string | null;
    note?: string;
    at?: Date;
    set?: Partial<typeof agreementVersions.$inferInsert>;
    where?: SQL;
  },
) {
  const [before] = await tx.select({ status: agreementVersions.status }).from(agreementVersions).where(eq(agreementVersions.id, opts.versionId));
  if (!before) throw new AppError("NOT_FOUND", "Agreement version not found");
  const [moved] = await tx
    .update(agreementVersions)
    .set({ ...opts.set, status: opts.to })
    .where(and(eq(agreementVersions.id, opts.versionId), inArray(agreementVersions.status, opts.from), opts.where))
    .returning();
  if (!moved) {
    throw new AppError("CONFLICT", `This version is ${before.status.replace("_", " ")}; it cannot become ${opts.to.replace("_", " ")}.`);
  }
  await tx.insert(agreementVersionEvents).values({
    versionId: opts.versionId,
    fromStatus: before.status,
    toStatus: opts.to,
    actorId: opts.actorId,
    note: opts.note ?? "",
    at: opts.at ?? new Date(),
  });
  await appendAudit(
    tx,
    {
      actorId: opts.actorId,
      action: `agreement_version.${opts.to}`,
      entityType: "agreement_version",
      entityId: opts.versionId,
      details: {
        agreementId: moved.agreementId,
        version: moved.version,
        from: before.status,
        to: opts.to,
        note: opts.note ?? "",
        effectiveFrom: moved.effectiveFrom?.toISOString() ?? null,
        expiresAt: moved.expiresAt?.toISOString() ?? null,
      },
    },
    opts.at ?? new Date(),
  );
  return moved;
}
