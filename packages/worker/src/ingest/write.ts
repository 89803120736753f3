// One attempt at a batch, in one transaction: rejects to quarantine; shadows taken (copies this
// worker holds, checked at the write-back) or locked and read; reports merged, changes decided;
// every id reserved in one round trip; every row in one statement; the batch sealed on the chain.
import { appendBatchEntry, batchTotalsWrite, decisionSetWrites, type DecisionSetInsert } from "@proviso/audit";
import { executeWrites, quarantine, reserveForBatch, type Database } from "@proviso/db";
import type { StateReport } from "@proviso/domain";
import type { Adapters } from "@proviso/partners";
import type { DeviceInfo, World } from "@proviso/snapshot";
import { sql } from "drizzle-orm";
import { lockShadows, outboxWrite, shadowsWrite, stateEventsWrite, type ShadowRow } from "./bulk";
import { decideBatch } from "./decide-batch";
import { mergeIntoShadows } from "./merge";
import { pushSets, quarantineRow } from "./rows";
import type { ShadowCache } from "./shadow-cache";
import { emptyResult, type IncomingReport, type IngestResult } from "./types";

/** A batch as read: its accepted reports (sorted by device, then boot and seq), their devices, its rejects. */
export interface Batch {
  good: readonly { report: StateReport; device: DeviceInfo; item: IncomingReport }[];
  quarantined: (typeof quarantine.$inferInsert)[];
  /** The batch's devices, once each, in order. */
  deviceIds: readonly string[];
  nowMs: number;
}

/** A batch's write-back found a shadow row written since the copy it was decided on. */
export class ShadowConflict extends Error {}

export interface WriteBatchOptions {
  world: World;
  adapters: Adapters;
  batch: Batch;
  cache: ShadowCache;
  /** Unlocked copies of every shadow the batch needs, with their revisions; null: lock and read them. */
  taken: { rows: ShadowRow[]; revisions: string[] } | null;
}

export async function writeBatch(db: Database, { world, adapters, batch, cache, taken }: WriteBatchOptions): Promise<IngestResult> {
  const { good, quarantined, deviceIds, nowMs } = batch;
  const result = emptyResult(quarantined.length);
  // The batch takes its shadows' copies out of `cache` when it locks their rows (or before, when
  // it takes them unlocked), and puts them back once it has committed.
  let locked: ShadowRow[] = [];
  let revision = "";
  await db.transaction(async (tx) => {
    if (quarantined.length) await tx.insert(quarantine).values(quarantined);
    if (good.length === 0) return;
    locked = taken ? taken.rows : await lockShadows(tx, deviceIds, cache);
    const shadows = new Map<string, ShadowRow>();
    for (const s of locked) shadows.set(s.deviceId, s);
    const { changes, events, outOfBounds } = mergeIntoShadows(good, shadows, result, nowMs);
    // A report whose (boot, seq) leaps past what the device could have sent: quarantined, and the shadow kept as it was.
    if (outOfBounds.length) {
      const rows = outOfBounds.map(({ entry, reason }) => {
        entry.item.rejection = { code: "SEQ_OUT_OF_BOUNDS", reason, deviceRef: entry.report.deviceId };
        return quarantineRow(entry.item, entry.item.rejection);
      });
      await tx.insert(quarantine).values(rows);
      result.quarantined += rows.length;
    }
    const { pending, decided, outbox } = decideBatch(world, adapters, changes, shadows, result);

    // Every id and the sealed batch's number in one round trip, then the rows.
    const reserved = changes.length
      ? await reserveForBatch(tx, { stateEvents: changes.length, decisions: decided.kinds.length })
      : { batch: 0, stateEvents: [], decisions: [] };
    result.stateEvents = changes.length;
    const sets: DecisionSetInsert[] = [];
    for (const p of pending) pushSets(sets, p, decided, reserved.decisions, reserved.stateEvents[p.change.index]!, nowMs);
    const setWrites = decisionSetWrites(reserved.batch, sets);
    for (let i = 0; i < outbox.decisionIds.length; i++) outbox.decisionIds[i] = reserved.decisions[outbox.decisionIds[i]!] ?? null;
    result.outbox = outbox.messageIds.length;
    // Every row in one statement: state events, decision sets (with new kinds and chunk roots),
    // outbox, the shadows (every locked one changed: a stale report still counts and a fresh one
    // moves it on) and the report totals.
    const done = await executeWrites<{ shadows: number; tx: string }>(
      tx,
      [
        stateEventsWrite({ ids: reserved.stateEvents, ...events }),
        ...(setWrites?.writes ?? []),
        outboxWrite(outbox, nowMs),
        shadowsWrite(locked, nowMs, taken?.revisions),
        setWrites && batchTotalsWrite(setWrites.written),
      ],
      sql`select (select count(*) from shadow_rows)::int as shadows, txid_current()::text as tx`,
    );
    if (done!.shadows !== locked.length) {
      if (taken) throw new ShadowConflict(`${locked.length - done!.shadows} of the batch's ${locked.length} shadows were written by someone else`);
      throw new Error(`the batch wrote ${done!.shadows} of its ${locked.length} locked shadows`);
    }
    // Each row's revision from here on: this transaction's id.
    revision = done!.tx;
    // Sealed last (the chain entry with the batch's Merkle root): the chain's head stays locked
    // only from here to the commit.
    if (setWrites) await appendBatchEntry(tx, setWrites.written, { stage: "change" });
  });
  for (const s of locked) cache.set(s.deviceId, { revision, reachable: s.reachable, properties: s.properties, sent: s.sent });
  return result;
}
