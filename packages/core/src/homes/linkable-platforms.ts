// The platforms a homeowner can link their home to from the dashboard: those with an agreement in
// force and a page where linking starts (the platform's app for Proviso's skill or action, which
// sends them back to Proviso's authorize page), and no active link to the home. A platform unlinked
// before is among them: linking again is the same way.
import { agreements, agreementVersions, partnerLinks, partners, type Executor } from "@proviso/db";
import { and, eq, exists, isNotNull, lte, notExists, sql } from "drizzle-orm";
import { assertMember } from "./home-sharing";

export async function listLinkablePlatforms(db: Executor, opts: { userId: string; homeId: string; now: Date }) {
  await assertMember(db, opts.userId, opts.homeId);
  const rows = await db
    .select({
      partnerId: partners.id,
      partnerName: partners.name,
      linkUrl: partners.linkUrl,
      linkedBefore: sql<boolean>`exists (select 1 from partner_links pl where pl.partner_id = "partners"."id" and pl.home_id = ${opts.homeId})`,
    })
    .from(partners)
    .where(
      and(
        isNotNull(partners.linkUrl),
        exists(
          db
            .select({ one: sql`1` })
            .from(agreementVersions)
            .innerJoin(agreements, eq(agreements.id, agreementVersions.agreementId))
            .where(and(eq(agreements.partnerId, partners.id), eq(agreementVersions.status, "active"), lte(agreementVersions.effectiveFrom, opts.now))),
        ),
        notExists(
          db
            .select({ one: sql`1` })
            .from(partnerLinks)
            .where(and(eq(partnerLinks.partnerId, partners.id), eq(partnerLinks.homeId, opts.homeId), eq(partnerLinks.status, "active"))),
        ),
      ),
    )
    .orderBy(partners.name);
  return rows.map((r) => ({ partnerId: r.partnerId, partnerName: r.partnerName, linkUrl: r.linkUrl!, linkedBefore: Boolean(r.linkedBefore) }));
}
