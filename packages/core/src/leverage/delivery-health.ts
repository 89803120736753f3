// A partner's delivery health over the last 24 hours: volume, failures, rate limiting and lag,
// from the outbox (indexed by partner and creation time), and whether the workers are holding back
// from it just now because it answered 429.
import type { Executor } from "@proviso/db";
import { sql } from "drizzle-orm";

export async function getDeliveryHealth(db: Executor, partnerId: string, now = new Date()) {
  const since = new Date(now.getTime() - 86_400_000);
  const r = (await db.execute(sql`
    select o.*, h.until as held_until, h.reason as hold_reason from (
    select count(*)::int as messages,
           count(*) filter (where status = 'delivered')::int as delivered,
           count(*) filter (where status in ('pending', 'retrying'))::int as queued,
           count(*) filter (where status = 'retrying')::int as retrying,
           count(*) filter (where status = 'dead')::int as dead,
           count(*) filter (where status = 'cancelled')::int as cancelled,
           count(*) filter (where last_status_code = 429)::int as rate_limited,
           count(*) filter (where last_status_code >= 500 or (last_error is not null and last_status_code is null and status <> 'cancelled'))::int as failures,
           percentile_cont(0.5) within group (order by extract(epoch from delivered_at - created_at)) filter (where status = 'delivered') as lag_p50,
           percentile_cont(0.95) within group (order by extract(epoch from delivered_at - created_at)) filter (where status = 'delivered') as lag_p95,
           min(created_at) filter (where status in ('pending', 'retrying')) as oldest_queued
      from outbox where partner_id = ${partnerId} and created_at >= ${since}) o
    -- The partner answered 429 and every worker is holding back from it (the pipeline's rate-limits.ts).
    left join partner_holds h on h.partner_id = ${partnerId} and h.until > ${now}`)) as unknown as {
    rows: {
      messages: number;
      delivered: number;
      queued: number;
      retrying: number;
      dead: number;
      cancelled: number;
      rate_limited: number;
      failures: number;
      lag_p50: number | null;
      lag_p95: number | null;
      oldest_queued: Date | null;
      held_until: Date | string | null;
      hold_reason: string | null;
    }[];
  };
  const row = r.rows[0]!;
  return {
    heldUntil: row.held_until === null ? null : new Date(row.held_until),
    holdReason: row.hold_reason,
    since,
    messages: row.messages,
    delivered: row.delivered,
    queued: row.queued,
    retrying: row.retrying,
    deadLettered: row.dead,
    cancelled: row.cancelled,
    rateLimited: row.rate_limited,
    failures: row.failures,
    lagP50Ms: row.lag_p50 === null ? null : Math.round(Number(row.lag_p50) * 1000),
    lagP95Ms: row.lag_p95 === null ? null : Math.round(Number(row.lag_p95) * 1000),
    oldestQueuedAt: row.oldest_queued ? new Date(row.oldest_queued) : null,
  };
}
