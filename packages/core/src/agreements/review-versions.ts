// Legal review: approve or reject with a comment. Two people: whoever drafted, edited or submitted
// a version may not approve it — read from the version's own history on the audit chain (every
// draft, edit and submission names its user there), enforced here, whatever the UI shows.
import { appendAudit } from "@proviso/audit";
import { agreementSignoffs, agreementVersions, auditLog, users, type Database, type Executor } from "@proviso/db";
import { and, eq, inArray } from "drizzle-orm";
import { AppError } from "../errors";
import { transitionVersion } from "./version-events";

export async function decideVersionReview(db: Database, opts: { versionId: string; reviewerId: string; decision: "approved" | "rejected"; comment: string }) {
  const comment = opts.comment.trim();
  if (opts.decision === "rejected" && !comment) {
    throw new AppError("INVALID", "Say why it is rejected", { comment: ["A rejection needs a comment for the author"] });
  }
  return db.transaction(async (tx) => {
    const [reviewer] = await tx.select({ role: users.role }).from(users).where(eq(users.id, opts.reviewerId));
    if (reviewer?.role !== "legal") throw new AppError("FORBIDDEN", "Only legal reviews agreement versions.");
    const [version] = await tx.select().from(agreementVersions).where(eq(agreementVersions.id, opts.versionId));
    if (!version) throw new AppError("NOT_FOUND", "Agreement version not found");
    if (opts.decision === "approved" && (version.authorId === opts.reviewerId || (await handledBy(tx, opts.versionId)).has(opts.reviewerId))) {
      throw new AppError("FORBIDDEN", "You drafted, edited or submitted this version: another legal reviewer must approve it (two-person rule).");
    }
    const moved = await transitionVersion(tx, {
      versionId: opts.versionId,
      from: ["in_review"],
      to: opts.decision,
      actorId: opts.reviewerId,
      note: comment,
    });
    await tx.insert(agreementSignoffs).values({
      versionId: opts.versionId,
      userId: opts.reviewerId,
      decision: opts.decision,
      comment,
    });
    await appendAudit(tx, {
      actorId: opts.reviewerId,
      action: `agreement_version.signoff_${opts.decision}`,
      entityType: "agreement_version",
      entityId: opts.versionId,
      details: { decision: opts.decision, comment, authorId: version.authorId },
    });
    return moved;
  });
}

/** Everyone the chain names as having drafted, edited or submitted the version. */
async function handledBy(tx: Executor, versionId: string): Promise<Set<string>> {
  const rows = await tx
    .select({ actorId: auditLog.actorId })
    .from(auditLog)
    .where(
      and(
        eq(auditLog.entityType, "agreement_version"),
        eq(auditLog.entityId, versionId),
        inArray(auditLog.action, ["agreement_version.drafted", "agreement_version.edited", "agreement_version.in_review"]),
      ),
    );
  return new Set(rows.flatMap((r) => (r.actorId ? [r.actorId] : [])));
}
