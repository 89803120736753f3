// What each device × partner × category last sent, rebuilt from the ledger when the worker starts:
// a clause's minimum interval holds across a restart, and Google's traits are completed with the
// values Google already has.
import type { Executor } from "@proviso/db";
import { sql } from "drizzle-orm";
import type { LastSent } from "./ingest";

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
  const out: LastSent = new Map();
  for (const row of r.rows) {
    out.set(`${row.device_id}|${row.partner_id}|${row.category_key}`, { at: new Date(row.observed_at).getTime(), properties: row.sent_properties ?? {} });
  }
  return out;
}
