import { agreements, agreementVersions, partnerDemands, partnerLinks, partners, type Executor } from "@proviso/db";
import { and, asc, count, eq, inArray } from "drizzle-orm";

/** One line per partner platform for partner managers: agreement state, links, open demands. */
export async function listPartnerSummaries(db: Executor) {
  const [partnerRows, versionRows, linkCounts, demandCounts] = await Promise.all([
    db.select().from(partners).orderBy(asc(partners.name)),
    db
      .select({
        partnerId: agreements.partnerId,
        version: agreementVersions.version,
        status: agreementVersions.status,
        effectiveFrom: agreementVersions.effectiveFrom,
      })
      .from(agreementVersions)
      .innerJoin(agreements, eq(agreements.id, agreementVersions.agreementId))
      .where(inArray(agreementVersions.status, ["active", "in_review", "draft", "approved"])),
    db.select({ partnerId: partnerLinks.partnerId, n: count() }).from(partnerLinks).where(eq(partnerLinks.status, "active")).groupBy(partnerLinks.partnerId),
    db
      .select({ partnerId: partnerDemands.partnerId, n: count() })
      .from(partnerDemands)
      .where(and(inArray(partnerDemands.status, ["open", "countered"])))
      .groupBy(partnerDemands.partnerId),
  ]);
  return partnerRows.map((p) => {
    const versions = versionRows.filter((v) => v.partnerId === p.id);
    return {
      id: p.id,
      name: p.name,
      adapter: p.adapter,
      activeVersion: versions.find((v) => v.status === "active")?.version ?? null,
      pendingVersions: versions.filter((v) => v.status !== "active").map((v) => ({ version: v.version, status: v.status })),
      activeLinks: linkCounts.find((l) => l.partnerId === p.id)?.n ?? 0,
      openDemands: demandCounts.find((d) => d.partnerId === p.id)?.n ?? 0,
    };
  });
}
