// What each device × partner × category last sent, and when: for a clause's minimum interval, and
// to complete a Google trait with the values Google already has. Kept in memory by the worker and
// rebuilt from the ledger when it starts, so a minimum interval holds across a restart.
import type { Executor } from "@proviso/db";
import { sql } from "drizzle-orm";

export interface SentValue {
  /** When the values sent were observed (epoch ms). */
  at: number;
  properties: Record<string, unknown>;
}

/** partner → category → what was last sent, for one device. */
export type DeviceSent = Map<string, Map<string, SentValue>>;

/**
 * Keyed device, then partner, then category: the hot path looks a device up once per change, and
 * partner and category ids are the world's own strings, whose hashes V8 keeps.
 */
export class LastSent {
  private readonly byDevice = new Map<string, DeviceSent>();
  private count = 0;

  /** One device's memo (created on first use). */
  device(deviceId: string): DeviceSent {
    let d = this.byDevice.get(deviceId);
    if (!d) this.byDevice.set(deviceId, (d = new Map()));
    return d;
  }

  get(deviceId: string, partnerId: string, category: string): SentValue | undefined {
    return this.byDevice.get(deviceId)?.get(partnerId)?.get(category);
  }

  set(deviceId: string, partnerId: string, category: string, value: SentValue) {
    this.setIn(this.device(deviceId), partnerId, category, value);
  }

  /** `set`, for a device's memo the caller already holds (from `device`). */
  setIn(device: DeviceSent, partnerId: string, category: string, value: SentValue) {
    let forPartner = device.get(partnerId);
    if (!forPartner) device.set(partnerId, (forPartner = new Map()));
    if (!forPartner.has(category)) this.count++;
    forPartner.set(category, value);
  }

  /** Device × partner × category entries held. */
  get size() {
    return this.count;
  }

  *entries(): IterableIterator<[deviceId: string, partnerId: string, category: string, value: SentValue]> {
    for (const [device, partners] of this.byDevice) for (const [partner, categories] of partners) for (const [category, v] of categories) yield [device, partner, category, v];
  }
}

export async function loadLastSent(db: Executor, since: Date): Promise<LastSent> {
  const r = (await db.execute(sql`
    select distinct on (device_id, partner_id, category_key) device_id, partner_id, category_key, observed_at, sent_properties
      from decisions
     -- Only the recent batches, through the (audit_batch, id) index: a batch is sealed after its
     -- decisions are made, so every decision since then is in a batch whose entry is as recent.
     where audit_batch >= coalesce((select min(entity_id::bigint) from audit_log where entity_type = 'decision_batch' and at >= ${since}), 9223372036854775807)
       and decided_at >= ${since} and stage = 'change' and outcome <> 'withhold'
     order by device_id, partner_id, category_key, observed_at desc`)) as unknown as {
    rows: { device_id: string; partner_id: string; category_key: string; observed_at: string | Date; sent_properties: Record<string, unknown> | null }[];
  };
  const out = new LastSent();
  for (const row of r.rows) out.set(row.device_id, row.partner_id, row.category_key, { at: new Date(row.observed_at).getTime(), properties: row.sent_properties ?? {} });
  return out;
}
