// Housekeeping the database would otherwise do itself. The embedded database (PGlite, PostgreSQL in
// single-user mode) reports `autovacuum = on` but runs no autovacuum launcher: measured, 200,000
// dead rows were still there after 75 s. The tables the worker rewrites all day are vacuumed (and
// analysed) by the worker's scheduler instead; on PostgreSQL autovacuum does this and this is not run.
import { sql } from "drizzle-orm";
import type { Executor } from "./types";

/** Tables rewritten on the hot path: status updates, upserts, shadows, counters. */
export const CHURNING_TABLES = [
  "outbox",
  "device_shadow",
  "decision_daily_stats",
  "audit_head",
  "app_meta",
  "replay_jobs",
  "audit_verifications",
  "sign_in_attempts",
] as const;

/** `VACUUM (ANALYZE)` of the churning tables (one statement; never inside a transaction). */
export async function vacuumChurningTables(db: Executor): Promise<number> {
  const t0 = performance.now();
  await db.execute(sql.raw(`vacuum (analyze) ${CHURNING_TABLES.join(", ")}`));
  return performance.now() - t0;
}
