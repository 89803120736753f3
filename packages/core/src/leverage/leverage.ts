// Certifications, retail listings and the conflicts between what they demand and what homeowners
// consented to or the agreement allows — with the numbers. And the alerts the scheduler raises
// before certifications expire and demand deadlines pass.
import { appendAudit } from "@proviso/audit";
import { categoryName } from "@proviso/domain";
import {
  alerts,
  certifications,
  deviceModels,
  partnerDemands,
  programmes,
  retailChannels,
  retailListings,
  skus,
  type Database,
  type Executor,
} from "@proviso/db";
import { agreedModes, compileSnapshot } from "@proviso/policy";
import { and, asc, desc, eq, gte, inArray, isNull, lte, sql } from "drizzle-orm";
import { z } from "zod";
import { AppError } from "../errors";
import { loadPolicySnapshot } from "@proviso/snapshot";
import { readClauses } from "../agreements/read-versions";

export async function listCertifications(db: Executor, partnerId: string, now = new Date()) {
  const rows = await db
    .select({
      id: certifications.id,
      modelKey: deviceModels.key,
      modelName: deviceModels.name,
      programmeId: programmes.id,
      programmeKey: programmes.key,
      programme: programmes.name,
      requirements: programmes.requirements,
      status: certifications.status,
      certifiedAt: certifications.certifiedAt,
      validUntil: certifications.validUntil,
    })
    .from(certifications)
    .innerJoin(programmes, eq(programmes.id, certifications.programmeId))
    .innerJoin(deviceModels, eq(deviceModels.id, certifications.modelId))
    .where(eq(programmes.partnerId, partnerId))
    .orderBy(asc(programmes.name), asc(deviceModels.key));
  return rows.map((r) => {
    const lapsed =
      r.status === "expired" || r.status === "revoked" || (r.status === "certified" && r.validUntil !== null && r.validUntil.getTime() <= now.getTime());
    return {
      ...r,
      effectiveStatus: lapsed && r.status === "certified" ? ("expired" as const) : r.status,
      daysLeft: r.validUntil ? Math.ceil((r.validUntil.getTime() - now.getTime()) / 86_400_000) : null,
    };
  });
}

export const certificationUpdateSchema = z.object({
  certificationId: z.uuid(),
  status: z.enum(["certified", "pending", "expired", "revoked"]),
  validUntil: z.coerce.date().nullish(),
});

/** A manager records a certification's new status or validity; the worker's snapshot follows. */
export async function updateCertification(db: Database, opts: { userId: string; input: z.infer<typeof certificationUpdateSchema> }) {
  const u = opts.input;
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(certifications).where(eq(certifications.id, u.certificationId));
    if (!before) throw new AppError("NOT_FOUND", "Certification not found");
    const [row] = await tx
      .update(certifications)
      .set({ status: u.status, validUntil: u.validUntil === undefined ? before.validUntil : u.validUntil, updatedAt: new Date() })
      .where(eq(certifications.id, u.certificationId))
      .returning();
    await appendAudit(tx, {
      actorId: opts.userId,
      action: "certification.updated",
      entityType: "certification",
      entityId: u.certificationId,
      details: {
        from: { status: before.status, validUntil: before.validUntil?.toISOString() ?? null },
        to: { status: row!.status, validUntil: row!.validUntil?.toISOString() ?? null },
      },
    });
    return row!;
  });
}

export async function listListings(db: Executor, partnerId: string) {
  return db
    .select({
      id: retailListings.id,
      sku: skus.code,
      skuName: skus.name,
      channel: retailChannels.name,
      status: retailListings.status,
      dependsOnClauseKeys: retailListings.dependsOnClauseKeys,
    })
    .from(retailListings)
    .innerJoin(retailChannels, eq(retailChannels.id, retailListings.channelId))
    .innerJoin(skus, eq(skus.id, retailListings.skuId))
    .where(eq(retailChannels.partnerId, partnerId))
    .orderBy(asc(retailChannels.name), asc(skus.code));
}

export const listingUpdateSchema = z.object({ listingId: z.uuid(), status: z.enum(["listed", "at_risk", "delisted"]) });

/** A manager records a retail listing's status (on the chain, like every leverage change). */
export async function updateListing(db: Database, opts: { userId: string; input: z.infer<typeof listingUpdateSchema> }) {
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(retailListings).where(eq(retailListings.id, opts.input.listingId));
    if (!before) throw new AppError("NOT_FOUND", "Retail listing not found");
    const [row] = await tx
      .update(retailListings)
      .set({ status: opts.input.status, updatedAt: new Date() })
      .where(eq(retailListings.id, opts.input.listingId))
      .returning();
    await appendAudit(tx, {
      actorId: opts.userId,
      action: "listing.updated",
      entityType: "retail_listing",
      entityId: opts.input.listingId,
      details: { from: before.status, to: row!.status, dependsOnClauseKeys: before.dependsOnClauseKeys },
    });
    return row!;
  });
}

/**
 * The listings a version puts at risk: those depending on a clause of the version in force that
 * the version removes, or (for a termination) on any clause at all.
 */
export async function listingsAtRisk(db: Executor, opts: { partnerId: string; versionId: string | null; baseVersionId: string | null; terminating?: boolean }) {
  const listings = await listListings(db, opts.partnerId);
  if (opts.terminating) {
    return listings.map((l) => ({ ...l, removedClauses: l.dependsOnClauseKeys })).filter((l) => l.removedClauses.length > 0);
  }
  const clauseKeys = async (id: string | null) => new Set(id ? (await readClauses(db, id)).map((c) => c.clauseKey) : []);
  const [base, proposed] = await Promise.all([clauseKeys(opts.baseVersionId), clauseKeys(opts.versionId)]);
  return listings
    .map((l) => ({ ...l, removedClauses: l.dependsOnClauseKeys.filter((k) => base.has(k) && !proposed.has(k)) }))
    .filter((l) => l.removedClauses.length > 0);
}

export interface Conflict {
  source: string;
  requirement: string;
  category: string;
  categoryName: string;
  mode: "on_request" | "proactive";
  linkedHomes: number;
  homesNotOptedIn: number;
  agreementAllows: boolean;
  text: string;
}

/**
 * Where a certification requirement, a demand tied to a listing, or a listing dependency asks for
 * more than homeowners consented to or the agreement allows, with the numbers.
 */
export async function findConflicts(db: Executor, partnerId: string, now = new Date()): Promise<Conflict[]> {
  const [progRows, demandRows, snapshot] = await Promise.all([
    db.select().from(programmes).where(eq(programmes.partnerId, partnerId)),
    db
      .select()
      .from(partnerDemands)
      .where(and(eq(partnerDemands.partnerId, partnerId), inArray(partnerDemands.status, ["open", "countered"]))),
    loadPolicySnapshot(db),
  ]);
  const policy = compileSnapshot(snapshot);
  const wanted: { source: string; requirement: string; category: string; mode: "on_request" | "proactive" }[] = [];
  for (const p of progRows)
    for (const r of p.requirements)
      for (const c of r.categories) wanted.push({ source: p.name, requirement: `${r.key}: ${r.text}`, category: c, mode: r.mode });
  for (const d of demandRows) {
    if (d.mode === "off") continue;
    wanted.push({ source: `Demand (${d.leverage.replace("_", " ")})`, requirement: d.description, category: d.categoryKey, mode: d.mode });
  }
  if (!wanted.length) return [];
  const linked = snapshot.links.filter((l) => l.partnerId === partnerId && l.status === "active");
  const linkedHomes = new Set(linked.map((l) => l.homeId));
  const consentOf = new Map<string, string>();
  for (const c of snapshot.consents) if (c.partnerId === partnerId && linkedHomes.has(c.homeId)) consentOf.set(`${c.homeId}|${c.category}`, c.mode);
  const partnerName = (await db.execute(sql`select name from partners where id = ${partnerId}`)) as unknown as { rows: { name: string }[] };
  const name = partnerName.rows[0]?.name ?? partnerId;
  const out: Conflict[] = [];
  for (const w of wanted) {
    let notOptedIn = 0;
    for (const home of linkedHomes) {
      const mode = consentOf.get(`${home}|${w.category}`);
      const ok = w.mode === "proactive" ? mode === "proactive" : mode === "proactive" || mode === "on_request";
      if (!ok) notOptedIn++;
    }
    const allows = agreedModes(policy, partnerId, w.category, now.getTime()).modes.includes(w.mode);
    if (notOptedIn === 0 && allows) continue;
    const what = `${w.mode === "proactive" ? "proactive" : "on-request"} ${categoryName(w.category).toLowerCase()}`;
    out.push({
      ...w,
      categoryName: categoryName(w.category),
      linkedHomes: linkedHomes.size,
      homesNotOptedIn: notOptedIn,
      agreementAllows: allows,
      text: `${w.source} requires ${what}; ${notOptedIn.toLocaleString("en-GB")} of ${linkedHomes.size.toLocaleString("en-GB")} linked homes have not opted in${allows ? "" : `, and the agreement in force with ${name} does not allow it`}.`,
    });
  }
  return out;
}

const CERT_THRESHOLDS = [60, 30, 7, 0];

/**
 * Alerts for certifications expiring within 60, 30 and 7 days (and on expiry), and demand
 * deadlines within 7 days (and passed): one per subject and threshold, so ticks are idempotent.
 */
export async function raiseDueAlerts(db: Executor, now = new Date()) {
  const horizon = new Date(now.getTime() + 60 * 86_400_000);
  const certs = await db
    .select({
      id: certifications.id,
      validUntil: certifications.validUntil,
      status: certifications.status,
      partnerId: programmes.partnerId,
      programme: programmes.name,
      model: deviceModels.name,
    })
    .from(certifications)
    .innerJoin(programmes, eq(programmes.id, certifications.programmeId))
    .innerJoin(deviceModels, eq(deviceModels.id, certifications.modelId))
    .where(
      and(
        eq(certifications.status, "certified"),
        lte(certifications.validUntil, horizon),
        gte(certifications.validUntil, new Date(now.getTime() - 86_400_000)),
      ),
    );
  const demands = await db
    .select({
      id: partnerDemands.id,
      deadline: partnerDemands.deadline,
      partnerId: partnerDemands.partnerId,
      category: partnerDemands.categoryKey,
      mode: partnerDemands.mode,
    })
    .from(partnerDemands)
    .where(
      and(
        inArray(partnerDemands.status, ["open", "countered"]),
        lte(partnerDemands.deadline, new Date(now.getTime() + 7 * 86_400_000)),
        gte(partnerDemands.deadline, new Date(now.getTime() - 86_400_000)),
      ),
    );
  const rows: (typeof alerts.$inferInsert)[] = [];
  for (const c of certs) {
    const days = Math.ceil((c.validUntil!.getTime() - now.getTime()) / 86_400_000);
    const threshold = CERT_THRESHOLDS.find((t) => days <= t && (t === 0 || days > (CERT_THRESHOLDS[CERT_THRESHOLDS.indexOf(t) + 1] ?? -1)));
    if (threshold === undefined) continue;
    rows.push({
      kind: "certification_expiry",
      partnerId: c.partnerId,
      subjectId: c.id,
      thresholdDays: threshold,
      dueAt: c.validUntil!,
      message:
        days <= 0
          ? `${c.model}'s ${c.programme} certification has expired.`
          : `${c.model}'s ${c.programme} certification expires in ${days} day${days === 1 ? "" : "s"} (${c.validUntil!.toISOString().slice(0, 10)}).`,
    });
  }
  for (const d of demands) {
    const days = Math.ceil((d.deadline!.getTime() - now.getTime()) / 86_400_000);
    const threshold = days <= 0 ? 0 : 7;
    rows.push({
      kind: "demand_deadline",
      partnerId: d.partnerId,
      subjectId: d.id,
      thresholdDays: threshold,
      dueAt: d.deadline!,
      message:
        days <= 0
          ? `The deadline of the demand for ${d.mode.replace("_", " ")} ${categoryName(d.category).toLowerCase()} has passed.`
          : `The demand for ${d.mode.replace("_", " ")} ${categoryName(d.category).toLowerCase()} is due in ${days} day${days === 1 ? "" : "s"}.`,
    });
  }
  if (!rows.length) return 0;
  const inserted = await db.insert(alerts).values(rows).onConflictDoNothing().returning({ id: alerts.id });
  return inserted.length;
}

export async function listAlerts(db: Executor, partnerId: string | null, limit = 50) {
  return db
    .select()
    .from(alerts)
    .where(and(partnerId ? eq(alerts.partnerId, partnerId) : undefined, isNull(alerts.acknowledgedAt)))
    .orderBy(desc(alerts.raisedAt))
    .limit(limit);
}
