// What an operator reads of the quarantine: rejected reports, newest first, narrowed by reason,
// claimed device or time, and how many there are of each reason. `npm run quarantine` prints them.
import { quarantine, type Executor } from "@proviso/db";
import { and, count, desc, eq, gte, lt, type SQL } from "drizzle-orm";
import type { RejectCode } from "./validate";

export interface QuarantineFilter {
  reason?: RejectCode;
  /** The device id the report claimed (as read from it or its topic). */
  device?: string;
  /** Received at or after. */
  since?: Date;
  /** Received before: with `since`, one window. */
  before?: Date;
}

export interface QuarantinedReport {
  id: number;
  receivedAt: Date;
  source: string;
  topic: string | null;
  deviceRef: string | null;
  reasonCode: string;
  reason: string;
  /** The report as received, its first 8,192 characters (a NUL kept as the six characters `\u0000`). */
  raw: string;
}

function where(f: QuarantineFilter): SQL | undefined {
  return and(
    f.reason ? eq(quarantine.reasonCode, f.reason) : undefined,
    f.device ? eq(quarantine.deviceRef, f.device) : undefined,
    f.since ? gte(quarantine.receivedAt, f.since) : undefined,
    f.before ? lt(quarantine.receivedAt, f.before) : undefined,
  );
}

/** Up to `limit` quarantined reports matching `filter`, newest first. */
export async function listQuarantine(db: Executor, filter: QuarantineFilter = {}, limit = 50): Promise<QuarantinedReport[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a whole number of reports (1 or more), not ${limit}`);
  return db.select().from(quarantine).where(where(filter)).orderBy(desc(quarantine.receivedAt), desc(quarantine.id)).limit(limit);
}

/** How many quarantined reports match `filter`, per reason, most first. */
export async function countQuarantine(db: Executor, filter: QuarantineFilter = {}): Promise<{ reasonCode: string; count: number }[]> {
  const rows = await db
    .select({ reasonCode: quarantine.reasonCode, count: count() })
    .from(quarantine)
    .where(where(filter))
    .groupBy(quarantine.reasonCode)
    .orderBy(desc(count()), quarantine.reasonCode);
  return rows.map((r) => ({ reasonCode: r.reasonCode, count: Number(r.count) }));
}
