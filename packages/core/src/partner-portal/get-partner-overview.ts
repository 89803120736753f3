import { PARTNER_VISIBLE_VERSION_STATUSES } from "@proviso/domain";
import { dataCategories, partnerDemands, type Executor } from "@proviso/db";
import { desc, eq } from "drizzle-orm";
import { partnerVersions, requirePartner } from "../partners/partner-versions";

/**
 * What one partner's staff may see: their own agreements (proposed and in force) and demands.
 * Every query is scoped by `partnerId` from the session, never from the caller's input.
 */
export async function getPartnerOverview(db: Executor, partnerId: string) {
  const partner = await requirePartner(db, partnerId);
  const [versions, demands] = await Promise.all([
    partnerVersions(db, partnerId, PARTNER_VISIBLE_VERSION_STATUSES),
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
