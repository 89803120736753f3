// Bulk writes for the hot path: one statement per table with one array parameter per column
// (`insert … select * from unnest(…)`), instead of thousands of VALUES tuples; the arrays are built
// as Postgres literals here (`plainArray` / `textArray`), which is several times cheaper than the
// driver's generic array path. Ids are reserved up front (`reserveIds`, in blocks), so rows can
// refer to each other without relying on RETURNING order.
import { jsonArray, plainArray, textArray, type Executor } from "@proviso/db";
import type { ReportCause, ShadowProperty } from "@proviso/domain";
import { sql } from "drizzle-orm";

export interface StateEventRow {
  id: number;
  deviceId: string;
  homeId: string;
  seq: number;
  observedAt: Date | string;
  receivedAt: Date;
  cause: ReportCause;
  properties: Record<string, unknown>;
}

export interface OutboxRow {
  messageId: string;
  partnerId: string;
  linkId: string;
  homeId: string;
  deviceId: string | null;
  decisionId: number | null;
  kind: string;
  categoryKeys: readonly string[];
  payload: unknown;
  observedAt: string;
  createdAt: Date;
}

export interface ShadowRow {
  deviceId: string;
  version: number;
  reachable: boolean;
  properties: Record<string, ShadowProperty>;
  /** The properties this batch set (written back merged into the stored ones, not whole). */
  delta?: Record<string, ShadowProperty>;
  lastReportAt: Date | string | null;
  staleReports: number;
}

const iso = (d: Date | string | null) => (d == null ? null : d instanceof Date ? d.toISOString() : new Date(d).toISOString());

async function rows<T>(tx: Executor, query: ReturnType<typeof sql>): Promise<T[]> {
  const r = (await tx.execute(query)) as unknown as { rows: T[] };
  return r.rows;
}

export async function insertStateEvents(tx: Executor, events: StateEventRow[]) {
  if (!events.length) return;
  await tx.execute(sql`
    insert into state_events (id, device_id, home_id, seq, observed_at, received_at, cause, properties)
    select * from unnest(
      ${plainArray(events.map((e) => e.id))}::bigint[], ${plainArray(events.map((e) => e.deviceId))}::uuid[], ${plainArray(events.map((e) => e.homeId))}::uuid[],
      ${plainArray(events.map((e) => e.seq))}::bigint[], ${plainArray(events.map((e) => iso(e.observedAt)))}::timestamptz[],
      ${plainArray(events.map((e) => iso(e.receivedAt)))}::timestamptz[], ${plainArray(events.map((e) => e.cause))}::report_cause[],
      ${jsonArray(events.map((e) => e.properties))}::jsonb[])`);
}

export async function insertOutbox(tx: Executor, ms: OutboxRow[]) {
  if (!ms.length) return;
  const created = iso(ms[0]!.createdAt);
  await tx.execute(sql`
    insert into outbox (message_id, partner_id, link_id, home_id, device_id, decision_id, kind, category_keys, payload, observed_at, created_at, next_attempt_at)
    select mid, partner, link, home, dev, decision, kind, keys::text[], payload, observed, ${created}::timestamptz, ${created}::timestamptz
      from unnest(
        ${plainArray(ms.map((m) => m.messageId))}::uuid[], ${textArray(ms.map((m) => m.partnerId))}::text[], ${plainArray(ms.map((m) => m.linkId))}::uuid[],
        ${plainArray(ms.map((m) => m.homeId))}::uuid[], ${plainArray(ms.map((m) => m.deviceId))}::uuid[], ${plainArray(ms.map((m) => m.decisionId))}::bigint[],
        ${textArray(ms.map((m) => m.kind))}::text[], ${textArray(ms.map((m) => textArray(m.categoryKeys)))}::text[], ${jsonArray(ms.map((m) => m.payload))}::jsonb[],
        ${plainArray(ms.map((m) => iso(m.observedAt)))}::timestamptz[]
      ) as t(mid, partner, link, home, dev, decision, kind, keys, payload, observed)`);
}

/**
 * Locks the shadows of `deviceIds` (sorted: one lock order for every batch, so concurrent batches
 * never deadlock) and returns them; devices without a shadow row get one first. Every device then
 * has a row to lock, so concurrent batches serialise per device.
 */
export async function lockShadows(tx: Executor, deviceIds: readonly string[]): Promise<ShadowRow[]> {
  const select = () =>
    rows<{ device_id: string; version: string; reachable: boolean; properties: Record<string, ShadowProperty>; last_report_at: string | null; stale_reports: string }>(
      tx,
      sql`select device_id, version, reachable, properties, last_report_at, stale_reports
            from device_shadow where device_id = any(${plainArray(deviceIds)}::uuid[]) order by device_id for update`,
    );
  let found = await select();
  if (found.length < deviceIds.length) {
    // Rare (a device's first report): create the missing rows, then lock them all in order.
    const have = new Set(found.map((r) => r.device_id));
    const missing = deviceIds.filter((id) => !have.has(id));
    await tx.execute(sql`insert into device_shadow (device_id) select unnest(${plainArray(missing)}::uuid[]) on conflict do nothing`);
    found = await select();
  }
  return found.map((r) => ({
    deviceId: r.device_id,
    version: Number(r.version),
    reachable: r.reachable,
    properties: r.properties,
    lastReportAt: r.last_report_at,
    staleReports: Number(r.stale_reports),
  }));
}

/**
 * Writes back shadows locked by `lockShadows` in this transaction. Only the properties the batch
 * set travel (`properties || delta`): a shadow is a few hundred bytes, a change a few dozen.
 */
export async function updateShadows(tx: Executor, ss: ShadowRow[], now: Date) {
  if (!ss.length) return;
  await tx.execute(sql`
    update device_shadow s set version = t.version, reachable = t.reachable, properties = s.properties || t.delta,
           last_report_at = t.last_report_at, stale_reports = t.stale_reports, updated_at = ${now.toISOString()}::timestamptz
      from unnest(
        ${plainArray(ss.map((s) => s.deviceId))}::uuid[], ${plainArray(ss.map((s) => s.version))}::bigint[], ${plainArray(ss.map((s) => s.reachable))}::boolean[],
        ${jsonArray(ss.map((s) => s.delta ?? {}))}::jsonb[], ${plainArray(ss.map((s) => iso(s.lastReportAt)))}::timestamptz[],
        ${plainArray(ss.map((s) => s.staleReports))}::bigint[]
      ) as t(device_id, version, reachable, delta, last_report_at, stale_reports)
     where s.device_id = t.device_id`);
}
