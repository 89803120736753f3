// Bulk writes for the hot path: one statement per table with one array parameter per column
// (`insert … select * from unnest(…)`), instead of thousands of VALUES tuples. Ids come from the
// sequence up front, so rows can refer to each other without relying on RETURNING order.
import type { deviceShadow, Executor, outbox, stateEvents } from "@proviso/db";
import { sql } from "drizzle-orm";

/** One array parameter (drizzle would otherwise spread an array into a list of parameters). */
const arr = (values: unknown[]) => sql.param(values);

type StateEvent = typeof stateEvents.$inferInsert;
type Outbox = typeof outbox.$inferInsert;
type Shadow = typeof deviceShadow.$inferInsert;

const iso = (d: Date | string | null | undefined) => (d == null ? null : d instanceof Date ? d.toISOString() : d);
const json = (v: unknown) => (v == null ? null : JSON.stringify(v));
/** A text[] as a Postgres array literal, for an array-of-arrays column passed through unnest. */
const textArray = (xs: readonly string[] | null | undefined) => `{${(xs ?? []).map((x) => `"${x.replace(/(["\\])/g, "\\$1")}"`).join(",")}}`;

async function rows(tx: Executor, query: ReturnType<typeof sql>) {
  const r = (await tx.execute(query)) as unknown as { rows: Record<string, unknown>[] };
  return r.rows;
}

/** Reserves `n` ids from a bigserial's sequence. */
export async function reserveIds(tx: Executor, sequence: string, n: number): Promise<number[]> {
  if (n === 0) return [];
  const r = await rows(tx, sql`select nextval(${sequence}::regclass) as id from generate_series(1, ${n})`);
  return r.map((x) => Number(x.id));
}

export async function insertStateEvents(tx: Executor, events: (StateEvent & { id: number })[]) {
  if (!events.length) return;
  await tx.execute(sql`
    insert into state_events (id, device_id, home_id, seq, observed_at, received_at, cause, properties)
    select * from unnest(
      ${arr(events.map((e) => e.id))}::bigint[], ${arr(events.map((e) => e.deviceId))}::uuid[], ${arr(events.map((e) => e.homeId))}::uuid[],
      ${arr(events.map((e) => e.seq))}::bigint[], ${arr(events.map((e) => iso(e.observedAt)))}::timestamptz[],
      ${arr(events.map((e) => iso(e.receivedAt)))}::timestamptz[], ${arr(events.map((e) => e.cause))}::report_cause[],
      ${arr(events.map((e) => json(e.properties)))}::jsonb[])`);
}

export async function insertOutbox(tx: Executor, ms: Outbox[]) {
  if (!ms.length) return;
  await tx.execute(sql`
    insert into outbox (message_id, partner_id, link_id, home_id, device_id, decision_id, kind, category_keys, payload, observed_at, created_at, next_attempt_at)
    select mid, partner, link, home, dev, decision, kind, keys::text[], payload, observed, created, created
      from unnest(
        ${arr(ms.map((m) => m.messageId))}::uuid[], ${arr(ms.map((m) => m.partnerId))}::text[], ${arr(ms.map((m) => m.linkId))}::uuid[],
        ${arr(ms.map((m) => m.homeId))}::uuid[], ${arr(ms.map((m) => m.deviceId ?? null))}::uuid[], ${arr(ms.map((m) => m.decisionId ?? null))}::bigint[],
        ${arr(ms.map((m) => m.kind))}::text[], ${arr(ms.map((m) => textArray(m.categoryKeys)))}::text[], ${arr(ms.map((m) => json(m.payload)))}::jsonb[],
        ${arr(ms.map((m) => iso(m.observedAt)))}::timestamptz[], ${arr(ms.map((m) => iso(m.createdAt)))}::timestamptz[]
      ) as t(mid, partner, link, home, dev, decision, kind, keys, payload, observed, created)`);
}

export async function upsertShadows(tx: Executor, ss: Shadow[]) {
  if (!ss.length) return;
  await tx.execute(sql`
    insert into device_shadow (device_id, version, reachable, properties, last_report_at, stale_reports, updated_at)
    select * from unnest(
      ${arr(ss.map((s) => s.deviceId))}::uuid[], ${arr(ss.map((s) => s.version ?? 0))}::bigint[], ${arr(ss.map((s) => s.reachable ?? true))}::boolean[],
      ${arr(ss.map((s) => json(s.properties ?? {})))}::jsonb[], ${arr(ss.map((s) => iso(s.lastReportAt)))}::timestamptz[],
      ${arr(ss.map((s) => s.staleReports ?? 0))}::bigint[], ${arr(ss.map((s) => iso(s.updatedAt)))}::timestamptz[])
    on conflict (device_id) do update set
      version = excluded.version, reachable = excluded.reachable, properties = excluded.properties,
      last_report_at = excluded.last_report_at, stale_reports = excluded.stale_reports, updated_at = excluded.updated_at`);
}
