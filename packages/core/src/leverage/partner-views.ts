// The partner overview for managers, and the partner's own view of its statistics.
import { agreements, partnerDemands, programmes, type Database, type Executor } from "@proviso/db";
import { eq, sql } from "drizzle-orm";
import { createDraftVersion } from "../agreements/draft-versions";
import { AppError } from "../errors";
import { partnerVersions, requirePartner } from "../partners/partner-versions";
import { getDeliveryHealth } from "./delivery-health";
import { answerDemand, listDemands } from "./demands";
import { findConflicts, listAlerts, listCertifications, listListings } from "./leverage";

export async function getPartnerLeverage(db: Executor, partnerId: string, now = new Date()) {
  const partner = await requirePartner(db, partnerId);
  const [versions, demands, certs, listings, health, alertRows, conflicts] = await Promise.all([
    partnerVersions(db, partnerId),
    listDemands(db, partnerId),
    listCertifications(db, partnerId, now),
    listListings(db, partnerId),
    getDeliveryHealth(db, partnerId, now),
    listAlerts(db, partnerId),
    findConflicts(db, partnerId, now),
  ]);
  return { partner: { id: partner.id, name: partner.name }, versions, demands, certifications: certs, listings, health, alerts: alertRows, conflicts };
}

/** A manager answers a demand with a new draft of the partner's agreement: drafted, linked, countered. */
export async function draftForDemand(db: Database, opts: { demandId: string; userId: string }) {
  const [demand] = await db.select().from(partnerDemands).where(eq(partnerDemands.id, opts.demandId));
  if (!demand) throw new AppError("NOT_FOUND", "Demand not found");
  const [agreement] = await db.select({ id: agreements.id }).from(agreements).where(eq(agreements.partnerId, demand.partnerId)).limit(1);
  if (!agreement) throw new AppError("CONFLICT", "This partner has no agreement to draft from");
  const draft = await createDraftVersion(db, { agreementId: agreement.id, authorId: opts.userId });
  await answerDemand(db, {
    userId: opts.userId,
    input: { demandId: opts.demandId, status: "countered", versionId: draft.id, note: `Answered with draft v${draft.version}` },
  });
  return draft;
}

/** What a partner's own staff see of their statistics: deliveries and decision totals, 30 days. */
export async function getPartnerStats(db: Executor, partnerId: string, now = new Date()) {
  const since = new Date(now.getTime() - 30 * 86_400_000).toISOString().slice(0, 10);
  const totals = (await db.execute(sql`
    select outcome::text, category_key, sum(count)::bigint as n from decision_daily_stats
     where partner_id = ${partnerId} and day >= ${since}::date group by 1, 2 order by 2, 1`)) as unknown as {
    rows: { outcome: string; category_key: string; n: string }[];
  };
  const [health, listings, progs] = await Promise.all([
    getDeliveryHealth(db, partnerId, now),
    listListings(db, partnerId),
    db.select({ id: programmes.id, name: programmes.name }).from(programmes).where(eq(programmes.partnerId, partnerId)),
  ]);
  return {
    since,
    decisions: totals.rows.map((r) => ({ outcome: r.outcome, category: r.category_key, count: Number(r.n) })),
    health,
    listings: listings.map((l) => ({ id: l.id, label: `${l.sku} on ${l.channel}` })),
    programmes: progs,
  };
}
