// Legal review: approve or reject with a comment. Two people: whoever drafted a version may not
// approve it — enforced here, on the server, whatever the UI shows.
import { appendAudit } from "@proviso/audit";
import { agreementSignoffs, agreementVersions, users, type Database } from "@proviso/db";
import { eq } from "drizzle-orm";
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
    if (opts.decision === "approved" && version.authorId === opts.reviewerId) {
      throw new AppError("FORBIDDEN", "You drafted this version: another legal reviewer must approve it (two-person rule).");
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
