// Several writes in one statement, one round trip: each is a data-modifying statement named as a
// common table expression (`name as (insert …)`), and the statement runs them all. A batch of the
// worker's ingest has five such writes; sent one by one, each waited for the event loop (busy
// deciding another lane's batch) before the next could go, and the database sat idle meanwhile.
// Such writes cannot see each other's rows, so only independent ones go together.
import { sql, type SQL } from "drizzle-orm";
import type { Executor } from "./types";
import { executePrepared } from "./prepared";

/** One write: `name as (statement)`; the name must be unique among the writes it goes with. */
export const write = (name: string, statement: SQL): SQL => sql`${sql.raw(name)} as (${statement})`;

/**
 * Runs `writes` (nulls skipped) as one statement, whose result is the row of `select` (by default
 * none worth reading): it may name the writes, e.g. `select (select count(*) from shadow_rows)`.
 */
export async function executeWrites<T = unknown>(tx: Executor, writes: readonly (SQL | null | undefined)[], select?: SQL): Promise<T | undefined> {
  const all = writes.filter((w): w is SQL => w != null);
  if (all.length === 0) return undefined;
  // Prepared: a batch's statement has one of a few texts (which writes it has), run again and again.
  const r = await executePrepared<T>(tx, sql`with ${sql.join(all, sql`, `)} ${select ?? sql`select 1`}`);
  return r.rows[0];
}
