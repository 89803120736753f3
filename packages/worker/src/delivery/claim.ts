// Claiming due outbox rows: SKIP LOCKED, so any number of workers deliver side by side, each row
// leased to one of them.
import { executePrepared, type Database, type outbox } from "@proviso/db";
import { sql } from "drizzle-orm";

export type OutboxRow = typeof outbox.$inferSelect;

/**
 * Claims due rows with a lease: one statement, no transaction left open. A worker that dies holding
 * a lease lets it run out, and the message goes again (with the same id). The lease is a column of
 * its own, in no index, so claiming is an in-place update.
 */
export async function claimDue(db: Database, now: number, limit: number, leaseMs: number): Promise<OutboxRow[]> {
  return (await claim(db, now, limit, leaseMs)).rows;
}

/**
 * `claimDue`, with the partners among the claimed rows' that are holding every worker back (they
 * answered 429: `partner_holds`) and until when (epoch ms), read in the same statement.
 */
export async function claim(db: Database, now: number, limit: number, leaseMs: number): Promise<{ rows: OutboxRow[]; holds: Map<string, number> }> {
  const at = new Date(now);
  // Prepared: the delivery loop runs it every few milliseconds.
  const result = await executePrepared(
    db,
    sql`
    with due as (
      select id from outbox
       where status in ('pending', 'retrying') and next_attempt_at <= ${at} and (leased_until is null or leased_until <= ${at})
       order by next_attempt_at, id
       limit ${limit}
       for update skip locked)
    update outbox o
       set leased_until = ${new Date(now + leaseMs)}, attempts = o.attempts + 1
      from due where o.id = due.id
    returning o.id, o.message_id, o.partner_id, o.link_id, o.home_id, o.device_id, o.kind, o.payload, o.attempts, o.created_at,
              (select extract(epoch from h.until) * 1000 from partner_holds h where h.partner_id = o.partner_id and h.until > ${at}) as held_until`,
  );
  const holds = new Map<string, number>();
  for (const r of result.rows as Record<string, unknown>[]) if (r.held_until != null) holds.set(r.partner_id as string, Math.ceil(Number(r.held_until)));
  const rows = (result.rows as Record<string, unknown>[]).map((r) => ({
    id: Number(r.id),
    messageId: r.message_id as string,
    partnerId: r.partner_id as string,
    linkId: r.link_id as string,
    homeId: r.home_id as string,
    deviceId: r.device_id as string,
    kind: r.kind as string,
    payload: r.payload,
    attempts: Number(r.attempts),
    createdAt: new Date(r.created_at as string),
  })) as OutboxRow[];
  return { rows, holds };
}
