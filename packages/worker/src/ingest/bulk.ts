// Bulk writes for the hot path: one statement per table with one array parameter per column
// (`insert … select * from unnest(…)`), instead of thousands of VALUES tuples. The arrays go in
// PostgreSQL's binary format (`binary` in @proviso/db: no text for the server to parse, no
// escaping or date formatting here), enum columns as text literals. Ids are reserved up front
// (`reserveForBatch`, in blocks), so rows can refer to each other without relying on RETURNING order.
import { binary, executePrepared, executeWrites, plainArray, write, type Executor } from "@proviso/db";
import type { ReportCause, ShadowProperty } from "@proviso/domain";
import { sql, type SQL } from "drizzle-orm";
import { sentFromStored, storedSentJson, type DeviceSent, type ShadowCache, type StoredSent } from "./shadow-cache";

/**
 * State events to insert, column by column: the hot path fills the columns as it accepts changes,
 * with no object per row.
 */
export interface StateEventColumns {
  ids: readonly number[];
  deviceIds: readonly string[];
  homeIds: readonly string[];
  seqs: readonly number[];
  /** Epoch milliseconds. */
  observedMs: readonly number[];
  receivedMs: readonly number[];
  causes: readonly ReportCause[];
  /** The properties that changed, as JSON. */
  properties: readonly string[];
}

/** Outbox rows, column by column (see `StateEventColumns`). */
export interface OutboxColumns {
  messageIds: string[];
  partnerIds: string[];
  linkIds: string[];
  homeIds: string[];
  deviceIds: string[];
  decisionIds: (number | null)[];
  kinds: string[];
  /** Each row's category keys as an array literal (`textArray`). */
  categoryKeys: string[];
  /** Each row's payload, as JSON. */
  payloads: string[];
  observedMs: number[];
}

export const emptyOutbox = (): OutboxColumns => ({
  messageIds: [],
  partnerIds: [],
  linkIds: [],
  homeIds: [],
  deviceIds: [],
  decisionIds: [],
  kinds: [],
  categoryKeys: [],
  payloads: [],
  observedMs: [],
});

/** A device's shadow, locked for this batch, and what the batch does to it. */
export interface ShadowRow {
  deviceId: string;
  reachable: boolean;
  properties: Record<string, ShadowProperty>;
  /** Whether this batch set any property (the properties are then written back, whole). */
  propertiesSet: boolean;
  /** What the device last sent each partner, and whether this batch added to it (written back likewise). */
  sent: DeviceSent;
  sentSet: boolean;
  /** Accepted changes (the version goes up by as many), stale reports, and whether a report (not the worker's own connectivity observation) came in. */
  changes: number;
  stale: number;
  reported: boolean;
}

/** A shadow as a batch starts on it: nothing set, counted or sent yet. */
const shadowRow = (deviceId: string, reachable: boolean, properties: Record<string, ShadowProperty>, sent: DeviceSent): ShadowRow => ({
  deviceId,
  reachable,
  properties,
  sent,
  propertiesSet: false,
  sentSet: false,
  changes: 0,
  stale: 0,
  reported: false,
});

/** Prepared (`executePrepared`): the hot path's reads run with every batch that misses the cache. */
async function rows<T>(tx: Executor, query: ReturnType<typeof sql>): Promise<T[]> {
  return (await executePrepared<T>(tx, query)).rows;
}

/** The write of state events (`executeWrites`); null for none. */
export function stateEventsWrite(c: StateEventColumns): SQL | null {
  if (!c.ids.length) return null;
  return write(
    "state_event_rows",
    sql`insert into state_events (id, device_id, home_id, seq, observed_at, received_at, cause, properties)
        select * from unnest(
          ${binary.bigints(c.ids)}::bigint[], ${binary.uuids(c.deviceIds)}::uuid[], ${binary.uuids(c.homeIds)}::uuid[],
          ${binary.bigints(c.seqs)}::bigint[], ${binary.timestamps(c.observedMs)}::timestamptz[],
          ${binary.timestamps(c.receivedMs)}::timestamptz[], ${plainArray(c.causes)}::report_cause[], ${binary.jsons(c.properties)}::json[])`,
  );
}

export const insertStateEvents = (tx: Executor, c: StateEventColumns) => executeWrites(tx, [stateEventsWrite(c)]);

/** The write of outbox rows, all created at `createdMs` (and due then); null for none. */
export function outboxWrite(c: OutboxColumns, createdMs: number): SQL | null {
  if (!c.messageIds.length) return null;
  const created = new Date(createdMs).toISOString();
  return write(
    "outbox_rows",
    sql`insert into outbox (message_id, partner_id, link_id, home_id, device_id, decision_id, kind, category_keys, payload, observed_at, created_at, next_attempt_at)
        select mid, partner, link, home, dev, decision, kind, keys::text[], payload, observed, ${created}::timestamptz, ${created}::timestamptz
          from unnest(
            ${binary.uuids(c.messageIds)}::uuid[], ${binary.texts(c.partnerIds)}::text[], ${binary.uuids(c.linkIds)}::uuid[],
            ${binary.uuids(c.homeIds)}::uuid[], ${binary.uuids(c.deviceIds)}::uuid[], ${binary.bigints(c.decisionIds)}::bigint[],
            ${binary.texts(c.kinds)}::text[], ${binary.texts(c.categoryKeys)}::text[], ${binary.jsons(c.payloads)}::json[],
            ${binary.timestamps(c.observedMs)}::timestamptz[]
          ) as t(mid, partner, link, home, dev, decision, kind, keys, payload, observed)`,
  );
}

/**
 * Locks the shadows of `deviceIds` (sorted: one lock order for every batch, so concurrent batches
 * never deadlock) and returns them; devices without a shadow row get one first. Every device then
 * has a row to lock, so concurrent batches serialise per device. The statement carries the
 * revision of each row this process holds a copy of, and the database sends properties and what
 * was last sent only for rows whose revision differs (another replica wrote them, or no copy): one
 * round trip either way. Counters are added to in the update.
 */
export async function lockShadows(tx: Executor, deviceIds: readonly string[], cache: ShadowCache): Promise<ShadowRow[]> {
  const ids = binary.uuids(deviceIds);
  // -1 for no copy: no row has it (a new row's revision is 0).
  const revisions = binary.bigints(deviceIds.map((id) => Number(cache.revisionOf(id) ?? -1)));
  const lock = () =>
    rows<{ device_id: string; revision: string; reachable: boolean; properties: Record<string, ShadowProperty> | null; sent: StoredSent | null }>(
      tx,
      sql`select s.device_id, s.revision::text as revision, s.reachable,
                 case when s.revision = k.revision then null else s.properties end as properties,
                 case when s.revision = k.revision then null else s.sent end as sent
            from device_shadow s join unnest(${ids}::uuid[], ${revisions}::bigint[]) as k(device_id, revision) on k.device_id = s.device_id
           where s.device_id = any(${ids}::uuid[])
           order by s.device_id for update of s`,
    );
  let found = await lock();
  if (found.length < deviceIds.length) {
    // Rare (a device's first report): create the missing rows, then lock them all in order.
    const have = new Set(found.map((r) => r.device_id));
    const missing = deviceIds.filter((id) => !have.has(id));
    await tx.execute(sql`insert into device_shadow (device_id) select unnest(${binary.uuids(missing)}::uuid[]) on conflict do nothing`);
    found = await lock();
  }
  const out: ShadowRow[] = new Array(found.length);
  const gone: number[] = [];
  for (let i = 0; i < found.length; i++) {
    const r = found[i]!;
    const row = shadowRow(r.device_id, r.reachable, {}, new Map());
    out[i] = row;
    // Taken out either way: no copy of a locked row stays in the cache.
    const c = cache.take(r.device_id, r.revision);
    if (r.properties !== null) {
      cache.misses++;
      row.properties = r.properties;
      row.sent = sentFromStored(r.sent);
      continue;
    }
    if (c) {
      cache.hits++;
      row.properties = c.properties;
      row.sent = c.sent;
    } else gone.push(i); // its copy went since the statement was sent (taken by a batch that then failed, or past SHADOW_CACHE_DEVICES)
  }
  if (gone.length) {
    cache.misses += gone.length;
    const read = await rows<{ device_id: string; properties: Record<string, ShadowProperty>; sent: StoredSent }>(
      tx,
      sql`select device_id, properties, sent from device_shadow where device_id = any(${binary.uuids(gone.map((i) => out[i]!.deviceId))}::uuid[])`,
    );
    const byId = new Map(read.map((r) => [r.device_id, r]));
    for (const i of gone) {
      const r = byId.get(out[i]!.deviceId)!;
      out[i]!.properties = r.properties;
      out[i]!.sent = sentFromStored(r.sent);
    }
  }
  return out;
}

/**
 * The shadows of `deviceIds` from this process's copies alone, when it holds a copy of every one
 * (taken out of `cache`, as `lockShadows` does), with the revision each copy is of; null, taking
 * nothing, when it does not. Nothing is locked or read: the batch's write-back names the revisions
 * (`shadowsWrite`), and a row written by anyone else since fails it.
 */
export function takeShadows(deviceIds: readonly string[], cache: ShadowCache): { rows: ShadowRow[]; revisions: string[] } | null {
  const copies = cache.takeEvery(deviceIds);
  if (!copies) return null;
  return { rows: copies.map((c, i) => shadowRow(deviceIds[i]!, c.reachable, c.properties, c.sent)), revisions: copies.map((c) => c.revision) };
}

/**
 * The write-back of shadows locked by `lockShadows` in this transaction. The properties and what
 * was last sent go whole, as json text, where the batch changed them (the batch's copy is the
 * row's current state: the row is locked, or checked by revision): PostgreSQL checks the text,
 * where merging a batch's changes into jsonb made it build and rebuild documents (≈ 15 % of its
 * CPU per change, measured). Every row's revision becomes this transaction's id. With `revisions`
 * (`takeShadows`: the rows are not locked), a row is written only if it is still of its revision:
 * the statement's `shadow_rows` then hold fewer rows than `ss`, and the caller must roll back.
 */
export function shadowsWrite(ss: readonly ShadowRow[], nowMs: number, revisions?: readonly string[]): SQL | null {
  if (!ss.length) return null;
  const now = new Date(nowMs).toISOString();
  const ids = binary.uuids(ss.map((s) => s.deviceId));
  // `s.device_id = any(ids)` as well as the join: without it the planner may hash the whole table
  // to find a batch's rows (it did, on a fleet of 6,000: 2.3 ms of every batch's 7).
  return write(
    "shadow_rows",
    sql`update device_shadow s set version = s.version + t.changes, reachable = t.reachable, revision = txid_current(),
               properties = coalesce(t.properties, s.properties), sent = coalesce(t.sent, s.sent),
               last_report_at = case when t.reported then ${now}::timestamptz else s.last_report_at end,
               stale_reports = s.stale_reports + t.stale, updated_at = ${now}::timestamptz
          from unnest(
            ${ids}::uuid[], ${binary.ints(ss.map((s) => s.changes))}::int[], ${binary.bools(ss.map((s) => s.reachable))}::boolean[],
            ${binary.jsons(ss.map((s) => (s.propertiesSet ? JSON.stringify(s.properties) : null)))}::json[], ${binary.bools(ss.map((s) => s.reported))}::boolean[],
            ${binary.ints(ss.map((s) => s.stale))}::int[], ${binary.jsons(ss.map((s) => (s.sentSet ? storedSentJson(s.sent) : null)))}::json[],
            ${binary.bigints(revisions ? revisions.map(Number) : ss.map(() => null))}::bigint[]
          ) as t(device_id, changes, reachable, properties, reported, stale, sent, revision)
         where s.device_id = t.device_id and s.device_id = any(${ids}::uuid[]) and (t.revision is null or s.revision = t.revision)
         returning 1`,
  );
}
