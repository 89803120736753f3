// What a delivery records: an attempt's end (delivered, retried, dead, cancelled), a link the
// partner says was revoked, and the round's deliveries and withheld decisions at its end.
import { appendAudit, sealDecisions } from "@proviso/audit";
import { executePrepared, outbox, partnerLinks, type Database, type Executor } from "@proviso/db";
import { OUTBOX_WAITING } from "@proviso/domain";
import { classifyResponse, DEFAULT_RETRY } from "@proviso/partners";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { DecisionRow } from "../lib/decision-row";
import type { OutboxRow } from "./claim";
import type { Round } from "./round";

/** Ends this attempt: the lease is given up (a retry is due at its own time). */
export function finish(db: Executor, id: number, set: Partial<typeof outbox.$inferInsert>) {
  return db
    .update(outbox)
    .set({ ...set, leasedUntil: null })
    .where(eq(outbox.id, id));
}

export async function cancel(round: Round, row: OutboxRow, lastError: string) {
  await finish(round.deps.db, row.id, { status: "cancelled", lastError });
  round.result.cancelled++;
}

/**
 * Stopped at delivery by re-decision: the message cancelled and the decisions that stopped it
 * sealed in one transaction, so the ledger never lacks the reason a cancelled row gives (not left
 * to the round's end, which a crash or a slow partner elsewhere in the round may never reach).
 */
export async function cancelWithheld(round: Round, row: OutboxRow, lastError: string, withheld: DecisionRow[]) {
  if (withheld.length === 0) return cancel(round, row, lastError);
  await round.deps.db.transaction(async (tx) => {
    await finish(tx, row.id, { status: "cancelled", lastError });
    await sealDecisions(tx, withheld, { stage: "delivery" });
  });
  round.result.cancelled++;
}

/** The partner took it: recorded with the round's others at its end. */
export function delivered(round: Round, row: OutboxRow, status: number | null) {
  const now = round.now();
  round.done.push({ id: row.id, at: new Date(now), status });
  round.deps.onDelivered?.(now - row.createdAt.getTime(), row.partnerId);
  round.result.delivered++;
}

/** A failed attempt's end: retried after the outcome's delay, or dead-lettered. */
export async function failed(
  round: Round,
  id: number,
  outcome: { kind: "retry"; delayMs: number } | { kind: "dead" },
  status: number | null,
  lastError: string,
) {
  if (outcome.kind === "retry") {
    await finish(round.deps.db, id, { status: "retrying", nextAttemptAt: new Date(round.now() + outcome.delayMs), lastStatusCode: status, lastError });
    round.result.retried++;
  } else {
    await finish(round.deps.db, id, { status: "dead", lastStatusCode: status, lastError });
    round.result.dead++;
  }
}

/** An attempt that failed here, not at the partner: retried as a timeout would be, and in the end dead. */
export async function failAttempt(round: Round, row: OutboxRow, err: unknown) {
  const outcome = classifyResponse({
    status: null,
    retryAfter: null,
    attempt: row.attempts,
    tokenRefreshed: false,
    now: round.now(),
    policy: round.deps.retry ?? DEFAULT_RETRY,
  });
  // No answer is never delivered, a token to refresh or a revocation: it is retried or dead.
  await failed(
    round,
    row.id,
    outcome.kind === "retry" ? outcome : { kind: "dead" },
    null,
    `could not be sent: ${(err as Error)?.message ?? String(err)}`.slice(0, 1_000),
  );
}

const REVOKED = "the partner says the customer revoked access (403)";

/** The customer revoked access at the partner: the link stops, and so does everything queued for it. */
export async function revokeLink(db: Database, linkId: string, messageRowId: number, now: number) {
  await db.transaction(async (tx) => {
    const revoked = await tx
      .update(partnerLinks)
      .set({ status: "revoked", endedAt: new Date(now) })
      .where(and(eq(partnerLinks.id, linkId), eq(partnerLinks.status, "active")))
      .returning({ id: partnerLinks.id, homeId: partnerLinks.homeId, partnerId: partnerLinks.partnerId });
    if (revoked[0]) {
      await appendAudit(
        tx,
        {
          action: "link.revoked_by_partner",
          entityType: "partner_link",
          entityId: linkId,
          details: { homeId: revoked[0].homeId, partnerId: revoked[0].partnerId, statusCode: 403, outboxRow: messageRowId },
        },
        new Date(now),
      );
    }
    await tx
      .update(outbox)
      .set({ status: "cancelled", lastStatusCode: 403, lastError: REVOKED })
      .where(and(eq(outbox.linkId, linkId), inArray(outbox.status, [...OUTBOX_WAITING])));
    await tx.update(outbox).set({ status: "cancelled", lastStatusCode: 403, lastError: REVOKED }).where(eq(outbox.id, messageRowId));
  });
}

/** The round's end: its deliveries marked and what re-decision withheld sealed, in one transaction (or one statement). */
export async function recordRound(round: Round) {
  const { db } = round.deps;
  const { done, withheld } = round;
  const markDelivered = (tx: Executor) =>
    executePrepared(
      tx,
      sql`
      update outbox o set status = 'delivered', delivered_at = t.at, last_status_code = t.code, last_error = null, leased_until = null
        from unnest(${sql.param(done.map((d) => d.id))}::bigint[], ${sql.param(done.map((d) => d.at.toISOString()))}::timestamptz[],
                    ${sql.param(done.map((d) => d.status))}::int[]) as t(id, at, code)
       where o.id = t.id`,
    );
  // One statement needs no transaction of its own (two round trips fewer every round).
  if (withheld.length) {
    await db.transaction(async (tx) => {
      if (done.length) await markDelivered(tx);
      await sealDecisions(tx, withheld, { stage: "delivery" });
    });
  } else if (done.length) await markDelivered(db);
}
