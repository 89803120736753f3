// A partner's deletion requests after unlinks: what it owes (pending, sent, overdue), its staff's
// confirmation that it deleted (recorded with who and their reference, on the audit chain), and
// the scheduler's pass that marks a request past its deadline overdue: an alert for the partner
// managers, an entry on the chain, a line in legal's report.
import { appendAudit } from "@proviso/audit";
import { alerts, deletionRequests, homes, partnerLinks, partners, type Database, type Executor } from "@proviso/db";
import { and, desc, eq, inArray, lt, sql } from "drizzle-orm";
import { AppError } from "../errors";

/** Deletion requests with their partner, as the home page and legal's report list them (add the where). */
export function selectDeletionRequests(db: Executor) {
  return db
    .select({
      id: deletionRequests.id,
      partnerId: partnerLinks.partnerId,
      partnerName: partners.name,
      requestedAt: deletionRequests.requestedAt,
      deadline: deletionRequests.deadline,
      status: deletionRequests.status,
      sentAt: deletionRequests.sentAt,
      confirmedAt: deletionRequests.confirmedAt,
    })
    .from(deletionRequests)
    .innerJoin(partnerLinks, eq(partnerLinks.id, deletionRequests.linkId))
    .innerJoin(partners, eq(partners.id, partnerLinks.partnerId));
}

/** The partner's deletion requests, newest first (at most 200). */
export async function listPartnerDeletionRequests(db: Executor, partnerId: string) {
  return db
    .select({
      id: deletionRequests.id,
      homeName: homes.name,
      requestedAt: deletionRequests.requestedAt,
      deadline: deletionRequests.deadline,
      status: deletionRequests.status,
      sentAt: deletionRequests.sentAt,
      toldVia: deletionRequests.toldVia,
      confirmedAt: deletionRequests.confirmedAt,
      confirmationNote: deletionRequests.confirmationNote,
    })
    .from(deletionRequests)
    .innerJoin(partnerLinks, eq(partnerLinks.id, deletionRequests.linkId))
    .innerJoin(homes, eq(homes.id, partnerLinks.homeId))
    .where(eq(partnerLinks.partnerId, partnerId))
    .orderBy(desc(deletionRequests.requestedAt))
    .limit(200);
}

/**
 * The partner confirms a deletion (its reference in `note`): its staff in the portal (`userId`), or
 * its systems through the partner API (`viaClient`: the OAuth client that called). Only its own
 * partner's requests, once.
 */
export async function confirmDeletion(
  db: Database,
  opts: { partnerId: string; userId: string | null; viaClient?: string; requestId: string; note: string; now: Date },
) {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ id: deletionRequests.id, status: deletionRequests.status, linkId: deletionRequests.linkId, deadline: deletionRequests.deadline })
      .from(deletionRequests)
      .innerJoin(partnerLinks, eq(partnerLinks.id, deletionRequests.linkId))
      .where(and(eq(deletionRequests.id, opts.requestId), eq(partnerLinks.partnerId, opts.partnerId)))
      .for("update");
    // Another partner's request behaves as a missing one.
    if (!row) throw new AppError("NOT_FOUND", "No such deletion request");
    if (row.status === "confirmed") throw new AppError("CONFLICT", "This deletion was confirmed already");
    await tx
      .update(deletionRequests)
      .set({ status: "confirmed", confirmedAt: opts.now, confirmedBy: opts.userId, confirmationNote: opts.note.trim() || null })
      .where(eq(deletionRequests.id, row.id));
    await appendAudit(
      tx,
      {
        actorId: opts.userId,
        action: "deletion.confirmed",
        entityType: "deletion_request",
        entityId: row.id,
        details: {
          partnerId: opts.partnerId,
          linkId: row.linkId,
          late: row.deadline < opts.now,
          note: opts.note.trim() || null,
          via: opts.viaClient ? `api:${opts.viaClient}` : "portal",
        },
      },
      opts.now,
    );
    return { id: row.id, status: "confirmed" as const, confirmedAt: opts.now };
  });
}

/** Requests past their deadline, unconfirmed, become overdue: each with an alert and an entry on the chain. */
export async function markOverdueDeletions(db: Database, now: Date): Promise<number> {
  return db.transaction(async (tx) => {
    const due = await tx
      .select({
        id: deletionRequests.id,
        deadline: deletionRequests.deadline,
        linkId: deletionRequests.linkId,
        partnerId: partnerLinks.partnerId,
        partnerName: partners.name,
      })
      .from(deletionRequests)
      .innerJoin(partnerLinks, eq(partnerLinks.id, deletionRequests.linkId))
      .innerJoin(partners, eq(partners.id, partnerLinks.partnerId))
      .where(and(inArray(deletionRequests.status, ["pending", "sent"]), lt(deletionRequests.deadline, now)))
      .for("update", { of: deletionRequests, skipLocked: true });
    if (due.length === 0) return 0;
    await tx
      .update(deletionRequests)
      .set({ status: "overdue" })
      .where(
        inArray(
          deletionRequests.id,
          due.map((d) => d.id),
        ),
      );
    await tx
      .insert(alerts)
      .values(
        due.map((d) => ({
          kind: "deletion_deadline" as const,
          partnerId: d.partnerId,
          subjectId: d.id,
          thresholdDays: 0,
          dueAt: d.deadline,
          message: `${d.partnerName} has not confirmed a deletion due ${d.deadline.toISOString().slice(0, 10)}.`,
        })),
      )
      .onConflictDoNothing();
    for (const d of due) {
      await appendAudit(
        tx,
        {
          action: "deletion.overdue",
          entityType: "deletion_request",
          entityId: d.id,
          details: { partnerId: d.partnerId, linkId: d.linkId, deadline: d.deadline.toISOString() },
        },
        now,
      );
    }
    return due.length;
  });
}

/** Deletion requests of a period by status, for legal's report: how many, and each overdue one. */
export async function deletionSummary(db: Executor, opts: { from: Date; to: Date; partnerId?: string }) {
  const rows = await selectDeletionRequests(db)
    .where(
      and(
        sql`${deletionRequests.requestedAt} >= ${opts.from} and ${deletionRequests.requestedAt} < ${opts.to}`,
        opts.partnerId ? eq(partnerLinks.partnerId, opts.partnerId) : undefined,
      ),
    )
    .orderBy(deletionRequests.requestedAt);
  const count = (s: string) => rows.filter((r) => r.status === s).length;
  return {
    total: rows.length,
    pending: count("pending"),
    sent: count("sent"),
    confirmed: count("confirmed"),
    overdue: rows.filter((r) => r.status === "overdue"),
  };
}
