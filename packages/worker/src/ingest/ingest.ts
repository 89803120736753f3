// One batch of state reports → shadow, state events, decisions and outbox rows, in one transaction
// (write.ts). Rejected reports go to quarantine in the same transaction; nothing already accepted
// is lost. This is the worker's hot path (tens of thousands of changes a second).
import { DEADLOCK_DETECTED, sqlStateOf, type Database } from "@proviso/db";
import type { StateReport } from "@proviso/domain";
import type { Adapters } from "@proviso/partners";
import type { DeviceInfo, World } from "@proviso/snapshot";
import { takeShadows } from "./bulk";
import { quarantineRow } from "./rows";
import type { ShadowCache } from "./shadow-cache";
import type { IncomingReport, IngestResult } from "./types";
import { ShadowConflict, writeBatch, type Batch } from "./write";

export interface IngestOptions {
  world: World;
  adapters: Adapters;
  reports: IncomingReport[];
  now: Date;
  /** The shadows this process last wrote (`shadow-cache.ts`): one per worker, shared by its lanes, each holding its own devices. */
  shadows: ShadowCache;
}

export async function ingestReports(db: Database, { world, adapters, reports, now, shadows: cache }: IngestOptions): Promise<IngestResult> {
  const batch = readBatch(world, reports, now.getTime());
  // Where this process holds a copy of every shadow the batch needs (as it does of the devices it
  // keeps hearing from), the batch locks and reads nothing first: its write-back checks that each
  // row is still of the copy's revision. A row someone else wrote since (another replica) fails
  // the check; the batch is rolled back and done again the locking way.
  const taken = batch.good.length ? takeShadows(batch.deviceIds, cache) : null;
  if (taken) {
    try {
      const r = await writeBatch(db, { world, adapters, batch, cache, taken });
      cache.hits += taken.rows.length;
      return r;
    } catch (err) {
      // Its write-back takes row locks as the plan finds the rows, so it can meet a locking batch
      // of another replica head-on: the database ends one (a deadlock), and this one, like one
      // that found a row written since, is done again the locking way.
      if (!(err instanceof ShadowConflict) && sqlStateOf(err) !== DEADLOCK_DETECTED) throw err;
      cache.conflicts++;
    }
  }
  try {
    return await writeBatch(db, { world, adapters, batch, cache, taken: null });
  } catch (err) {
    // Locking batches lock their rows in one order and never deadlock each other; one ended by a
    // deadlock with a batch writing back copies it held goes again at once (the first try left
    // nothing: its transaction rolled back and its copies were taken out of the cache).
    if (sqlStateOf(err) !== DEADLOCK_DETECTED) throw err;
    return writeBatch(db, { world, adapters, batch, cache, taken: null });
  }
}

/** The batch's reports checked against the device directory (an unknown device is quarantined), sorted by device and seq. */
function readBatch(world: World, items: IncomingReport[], nowMs: number): Batch {
  const quarantined: Batch["quarantined"] = [];
  const good: { report: StateReport; device: DeviceInfo; item: IncomingReport }[] = [];
  for (const item of items) {
    if (item.rejection) {
      quarantined.push(quarantineRow(item, item.rejection));
    } else if (item.report) {
      const device = world.devices.get(item.report.deviceId);
      if (!device) {
        // Said on the item too: whoever submitted it (an HTTP caller) hears why.
        item.rejection = { code: "UNKNOWN_DEVICE", reason: `no device ${item.report.deviceId} is registered`, deviceRef: item.report.deviceId };
        quarantined.push(quarantineRow(item, item.rejection));
        continue;
      }
      // The directory's own string from here on: every later lookup by it hashes nothing new.
      item.report.deviceId = device.deviceId;
      good.push({ report: item.report, device, item });
    }
  }
  good.sort(({ report: a }, { report: b }) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : (a.boot ?? 0) - (b.boot ?? 0) || a.seq - b.seq));
  const deviceIds: string[] = [];
  for (let i = 0; i < good.length; i++) if (i === 0 || good[i]!.device !== good[i - 1]!.device) deviceIds.push(good[i]!.device.deviceId);
  return { good, quarantined, deviceIds, nowMs };
}
