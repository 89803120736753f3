// Unlinking a platform: sharing stops at once (the link ends, its tokens are revoked, queued
// messages are cancelled, every consent for it turns off), and a deletion request is recorded
// with the deadline from the agreement's deletion clause.
import { APPROVED_VERSION_STATUSES, OUTBOX_WAITING } from "@proviso/domain";
import { appendAudit } from "@proviso/audit";
import { agreementClauses, agreements, agreementVersions, deletionRequests, outbox, partnerLinks, type Database, type Executor } from "@proviso/db";
import { and, desc, eq, inArray, isNull, lte, or, gt, sql } from "drizzle-orm";
import { AppError } from "../errors";
import { revokeLinkTokens } from "../linking/tokens";
import { selectDeletionRequests } from "../partners/deletion-requests";
import { assertMember } from "./home-sharing";

const DEFAULT_DEADLINE_DAYS = 30;

/** The deletion deadline in days from the deletion_on_unlink clause of the version in force. */
async function deletionDeadlineDays(db: Executor, partnerId: string, now: Date): Promise<{ days: number; clauseKey: string | null }> {
  const rows = await db
    .select({ terms: agreementClauses.terms, clauseKey: agreementClauses.clauseKey })
    .from(agreementClauses)
    .innerJoin(agreementVersions, eq(agreementVersions.id, agreementClauses.versionId))
    .innerJoin(agreements, eq(agreements.id, agreementVersions.agreementId))
    .where(
      and(
        eq(agreements.partnerId, partnerId),
        eq(agreementClauses.kind, "deletion_on_unlink"),
        inArray(agreementVersions.status, [...APPROVED_VERSION_STATUSES]),
        lte(agreementVersions.effectiveFrom, now),
        or(isNull(agreementVersions.endedAt), gt(agreementVersions.endedAt, now)),
      ),
    )
    .orderBy(desc(agreementVersions.effectiveFrom))
    .limit(1);
  const terms = rows[0]?.terms;
  return terms?.kind === "deletion_on_unlink" ? { days: terms.deadlineDays, clauseKey: rows[0]!.clauseKey } : { days: DEFAULT_DEADLINE_DAYS, clauseKey: null };
}

export async function unlinkPartner(db: Database, opts: { userId: string; homeId: string; partnerId: string; now: Date }) {
  return db.transaction(async (tx) => {
    await assertMember(tx, opts.userId, opts.homeId);
    const ended = await endLink(tx, {
      homeId: opts.homeId,
      partnerId: opts.partnerId,
      userId: opts.userId,
      now: opts.now,
      why: "the homeowner unlinked this platform",
    });
    if (!ended) throw new AppError("NOT_FOUND", "This platform is not linked to your home");
    return ended;
  });
}

/**
 * The platform ended the link itself (the user removed the integration in its app: SmartThings'
 * integrationDeleted, Google's DISCONNECT): it ends as an unlink does, recorded as the platform's.
 * Null when the link was no longer active.
 */
export async function unlinkByPlatform(db: Database, opts: { homeId: string; partnerId: string; now: Date }) {
  return db.transaction((tx) => endLink(tx, { ...opts, userId: null, why: "the platform ended the link" }));
}

/**
 * Ends an active link in the caller's transaction: queued messages cancelled, every consent that
 * was on turned off (a new version), a deletion request with the agreement's deadline, an entry
 * on the chain naming who ended it (a homeowner, or the platform when `userId` is null).
 */
async function endLink(tx: Executor, opts: { homeId: string; partnerId: string; userId: string | null; now: Date; why: string }) {
  const [link] = await tx
    .update(partnerLinks)
    .set({ status: "unlinked", endedAt: opts.now })
    .where(and(eq(partnerLinks.homeId, opts.homeId), eq(partnerLinks.partnerId, opts.partnerId), eq(partnerLinks.status, "active")))
    .returning();
  if (!link) return null;
  // The platform's tokens for the link end with it: it can ask nothing more.
  await revokeLinkTokens(tx, link.id, opts.now);
  await tx
    .update(outbox)
    .set({ status: "cancelled", lastError: opts.why })
    .where(and(eq(outbox.linkId, link.id), inArray(outbox.status, [...OUTBOX_WAITING])));
  // Every category that was on turns off, as a new consent version (set by the homeowner who unlinked, or by no one).
  await tx.execute(sql`
    insert into consents (home_id, partner_id, category_key, mode, version, set_by, set_at)
    select home_id, partner_id, category_key, 'off', version + 1, ${opts.userId}, ${opts.now}
      from (select distinct on (category_key) home_id, partner_id, category_key, mode, version
              from consents where home_id = ${opts.homeId} and partner_id = ${opts.partnerId}
             order by category_key, version desc) current
     where mode <> 'off'`);
  const { days, clauseKey } = await deletionDeadlineDays(tx, opts.partnerId, opts.now);
  const [request] = await tx
    .insert(deletionRequests)
    .values({ linkId: link.id, requestedAt: opts.now, deadline: new Date(opts.now.getTime() + days * 86_400_000) })
    .returning();
  await appendAudit(
    tx,
    {
      actorId: opts.userId,
      action: opts.userId ? "link.unlinked" : "link.unlinked_by_partner",
      entityType: "partner_link",
      entityId: link.id,
      details: {
        homeId: opts.homeId,
        partnerId: opts.partnerId,
        consentsTurnedOff: true,
        deletionRequestId: request!.id,
        deadline: request!.deadline.toISOString(),
        clauseKey,
      },
    },
    opts.now,
  );
  return { linkId: link.id, deletionRequestId: request!.id, deadline: request!.deadline, clauseKey };
}

/** The home's deletion requests, with the partner and their status. */
export async function listDeletionRequests(db: Executor, opts: { userId: string; homeId: string }) {
  await assertMember(db, opts.userId, opts.homeId);
  return selectDeletionRequests(db).where(eq(partnerLinks.homeId, opts.homeId)).orderBy(desc(deletionRequests.requestedAt));
}
