// Bulk writes for the hot path: one statement per table with one array parameter per column
// (`insert … select * from unnest(…)`), instead of thousands of VALUES tuples. The arrays go in
// PostgreSQL's binary format (`binary` in @proviso/db: no text for the server to parse, no
// escaping or date formatting here), enum columns as text literals. Ids are reserved up front
// (`reserveForBatch`, in blocks), so rows can refer to each other without relying on RETURNING order.
import { binary, plainArray, textArray, type Executor } from "@proviso/db";
import type { ReportCause, ShadowProperty } from "@proviso/domain";
import { sql } from "drizzle-orm";

export interface StateEventRow {
  id: number;
  deviceId: string;
  homeId: string;
  seq: number;
  /** Epoch milliseconds. */
  observedMs: number;
  receivedMs: number;
  cause: ReportCause;
  /** The properties that changed, as JSON. */
  properties: string;
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
  /** The payload, as JSON. */
  payload: string;
  observedMs: number;
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

async function rows<T>(tx: Executor, query: ReturnType<typeof sql>): Promise<T[]> {
  const r = (await tx.execute(query)) as unknown as { rows: T[] };
  return r.rows;
}

export async function insertStateEvents(tx: Executor, events: readonly StateEventRow[]) {
  if (!events.length) return;
  await tx.execute(sql`
    insert into state_events (id, device_id, home_id, seq, observed_at, received_at, cause, properties)
    select * from unnest(
      ${binary.bigints(events.map((e) => e.id))}::bigint[], ${binary.uuids(events.map((e) => e.deviceId))}::uuid[], ${binary.uuids(events.map((e) => e.homeId))}::uuid[],
      ${binary.bigints(events.map((e) => e.seq))}::bigint[], ${binary.timestamps(events.map((e) => e.observedMs))}::timestamptz[],
      ${binary.timestamps(events.map((e) => e.receivedMs))}::timestamptz[], ${plainArray(events.map((e) => e.cause))}::report_cause[],
      ${binary.jsonbs(events.map((e) => e.properties))}::jsonb[])`);
}

/** Outbox rows, all created at `createdMs` (and due then). */
export async function insertOutbox(tx: Executor, ms: readonly OutboxRow[], createdMs: number) {
  if (!ms.length) return;
  const created = new Date(createdMs).toISOString();
  await tx.execute(sql`
    insert into outbox (message_id, partner_id, link_id, home_id, device_id, decision_id, kind, category_keys, payload, observed_at, created_at, next_attempt_at)
    select mid, partner, link, home, dev, decision, kind, keys::text[], payload, observed, ${created}::timestamptz, ${created}::timestamptz
      from unnest(
        ${binary.uuids(ms.map((m) => m.messageId))}::uuid[], ${binary.texts(ms.map((m) => m.partnerId))}::text[], ${binary.uuids(ms.map((m) => m.linkId))}::uuid[],
        ${binary.uuids(ms.map((m) => m.homeId))}::uuid[], ${binary.uuids(ms.map((m) => m.deviceId))}::uuid[], ${binary.bigints(ms.map((m) => m.decisionId))}::bigint[],
        ${binary.texts(ms.map((m) => m.kind))}::text[], ${binary.texts(ms.map((m) => textArray(m.categoryKeys)))}::text[], ${binary.jsonbs(ms.map((m) => m.payload))}::jsonb[],
        ${binary.timestamps(ms.map((m) => m.observedMs))}::timestamptz[]
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
            from device_shadow where device_id = any(${binary.uuids(deviceIds)}::uuid[]) order by device_id for update`,
    );
  let found = await select();
  if (found.length < deviceIds.length) {
    // Rare (a device's first report): create the missing rows, then lock them all in order.
    const have = new Set(found.map((r) => r.device_id));
    const missing = deviceIds.filter((id) => !have.has(id));
    await tx.execute(sql`insert into device_shadow (device_id) select unnest(${binary.uuids(missing)}::uuid[]) on conflict do nothing`);
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
export async function updateShadows(tx: Executor, ss: readonly ShadowRow[], nowMs: number) {
  if (!ss.length) return;
  const lastReport = (s: ShadowRow) => (s.lastReportAt == null ? null : s.lastReportAt instanceof Date ? s.lastReportAt.getTime() : Date.parse(s.lastReportAt));
  await tx.execute(sql`
    update device_shadow s set version = t.version, reachable = t.reachable, properties = s.properties || t.delta,
           last_report_at = t.last_report_at, stale_reports = t.stale_reports, updated_at = ${new Date(nowMs).toISOString()}::timestamptz
      from unnest(
        ${binary.uuids(ss.map((s) => s.deviceId))}::uuid[], ${binary.bigints(ss.map((s) => s.version))}::bigint[], ${binary.bools(ss.map((s) => s.reachable))}::boolean[],
        ${binary.jsonbs(ss.map((s) => (s.delta ? JSON.stringify(s.delta) : "{}")))}::jsonb[], ${binary.timestamps(ss.map(lastReport))}::timestamptz[],
        ${binary.bigints(ss.map((s) => s.staleReports))}::bigint[]
      ) as t(device_id, version, reachable, delta, last_report_at, stale_reports)
     where s.device_id = t.device_id`);
}
