import { agreements, agreementVersions, partners, type Executor } from "@proviso/db";
import type { VersionStatus } from "@proviso/domain";
import { and, desc, eq, inArray } from "drizzle-orm";
import { AppError } from "../errors";

/** A partner, or NOT_FOUND. */
export async function requirePartner(db: Executor, partnerId: string) {
  const [partner] = await db.select().from(partners).where(eq(partners.id, partnerId));
  if (!partner) throw new AppError("NOT_FOUND", "Partner not found");
  return partner;
}

/** A partner's agreement versions, newest first (only those of `statuses` when given). */
export function partnerVersions(db: Executor, partnerId: string, statuses?: readonly VersionStatus[]) {
  return db
    .select({
      id: agreementVersions.id,
      title: agreements.title,
      version: agreementVersions.version,
      status: agreementVersions.status,
      summary: agreementVersions.summary,
      effectiveFrom: agreementVersions.effectiveFrom,
    })
    .from(agreementVersions)
    .innerJoin(agreements, eq(agreements.id, agreementVersions.agreementId))
    .where(statuses ? and(eq(agreements.partnerId, partnerId), inArray(agreementVersions.status, [...statuses])) : eq(agreements.partnerId, partnerId))
    .orderBy(desc(agreementVersions.version));
}
