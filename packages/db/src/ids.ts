// Ids reserved up front, in blocks. The ledger's sequences (`decisions_id_seq`,
// `state_events_id_seq`) step by ID_BLOCK (migration 0011): each value handed out owns the
// ID_BLOCK ids from it, so writers reserve thousands of ids with a few sequence calls and rows can
// refer to each other before they are written. Ids stay unique and ascending per reservation;
// between reservations they leave gaps.
import { sql } from "drizzle-orm";
import { executePrepared } from "./prepared";
import { ID_BLOCK } from "./schema/ledger";
import type { Executor } from "./types";

export { ID_BLOCK };

/** The sequence calls `n` ids need. */
export const blocksFor = (n: number) => Math.ceil(n / ID_BLOCK);

/** `n` ascending ids from block starts (as the sequence returned them, ascending). */
export function idsFromBlocks(starts: readonly (number | string)[], n: number): number[] {
  const ids = new Array<number>(n);
  for (let i = 0; i < n; i++) ids[i] = Number(starts[Math.floor(i / ID_BLOCK)]) + (i % ID_BLOCK);
  return ids;
}

/** Reserves `n` ids from one of the ledger's block sequences. */
export async function reserveIds(tx: Executor, sequence: "decisions_id_seq" | "state_events_id_seq", n: number): Promise<number[]> {
  if (n === 0) return [];
  const r = await executePrepared<{ starts: string[] }>(
    tx,
    sql`select array(select nextval(${sequence}::regclass) from generate_series(1, ${blocksFor(n)})) as starts`,
  );
  return idsFromBlocks(r.rows[0]!.starts, n);
}

/**
 * One round trip for everything a batch of changes needs: state-event ids, decision ids and the
 * number of the sealed batch the decisions go into (`decision_batch_seq`).
 */
export async function reserveForBatch(
  tx: Executor,
  n: { stateEvents: number; decisions: number },
): Promise<{ stateEvents: number[]; decisions: number[]; batch: number }> {
  const r = await executePrepared<{ batch: string; events: string[]; decisions: string[] }>(
    tx,
    sql`
    select nextval('decision_batch_seq') as batch,
           array(select nextval('state_events_id_seq') from generate_series(1, ${blocksFor(n.stateEvents)})) as events,
           array(select nextval('decisions_id_seq') from generate_series(1, ${blocksFor(n.decisions)})) as decisions`,
  );
  const row = r.rows[0]!;
  return { batch: Number(row.batch), stateEvents: idsFromBlocks(row.events, n.stateEvents), decisions: idsFromBlocks(row.decisions, n.decisions) };
}
