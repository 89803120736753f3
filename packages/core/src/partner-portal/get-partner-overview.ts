import { PARTNER_VISIBLE_VERSION_STATUSES } from "@proviso/domain";
import { agreements, agreementVersions, dataCategories, partnerDemands, partners, type Executor } from "@proviso/db";
import { and, desc, eq, inArray } from "drizzle-orm";
import { AppError } from "../errors";

/**
 * What one partner's staff may see: their own agreements (proposed and in force) and demands.
 * Every query is scoped by `partnerId` from the session, never from the caller's input.
 */
export async function getPartnerOverview(db: Executor, partnerId: string) {
  const [partner] = await db.select().from(partners).where(eq(partners.id, partnerId));
  if (!partner) throw new AppError("NOT_FOUND", "Partner not found");
  const [versions, demands] = await Promise.all([
    db
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
      .where(and(eq(agreements.partnerId, partnerId), inArray(agreementVersions.status, [...PARTNER_VISIBLE_VERSION_STATUSES])))
      .orderBy(desc(agreementVersions.version)),
    db
      .select({
        id: partnerDemands.id,
        category: dataCategories.name,
        mode: partnerDemands.mode,
        leverage: partnerDemands.leverage,
        status: partnerDemands.status,
        deadline: partnerDemands.deadline,
        description: partnerDemands.description,
      })
      .from(partnerDemands)
      .innerJoin(dataCategories, eq(dataCategories.key, partnerDemands.categoryKey))
      .where(eq(partnerDemands.partnerId, partnerId))
      .orderBy(desc(partnerDemands.createdAt)),
  ]);
  return { partner: { id: partner.id, name: partner.name }, versions, demands };
}
