import { agreements, agreementVersions, partners, users, type Executor } from "@proviso/db";
import { asc, eq } from "drizzle-orm";

/** Versions waiting for legal review, oldest submission first. */
export async function listReviewQueue(db: Executor) {
  return db
    .select({
      versionId: agreementVersions.id,
      version: agreementVersions.version,
      summary: agreementVersions.summary,
      submittedAt: agreementVersions.submittedAt,
      effectiveFrom: agreementVersions.effectiveFrom,
      agreementTitle: agreements.title,
      partnerId: partners.id,
      partnerName: partners.name,
      authorName: users.name,
    })
    .from(agreementVersions)
    .innerJoin(agreements, eq(agreements.id, agreementVersions.agreementId))
    .innerJoin(partners, eq(partners.id, agreements.partnerId))
    .leftJoin(users, eq(users.id, agreementVersions.authorId))
    .where(eq(agreementVersions.status, "in_review"))
    .orderBy(asc(agreementVersions.submittedAt));
}
