// "What was shared": every decision for a home, newest first, filterable, paginated by cursor
// (decided_at, id), on the (home_id, decided_at, id) index.
import { categoryName, type DecisionReason } from "@proviso/domain";
import { decisions, devices, partners, type Executor } from "@proviso/db";
import { explainForHomeowner } from "@proviso/policy";
import { and, desc, eq, gte, lt, or, type SQL } from "drizzle-orm";
import { assertMember } from "./home-sharing";

/** The columns a homeowner sees of each decision (the ledger and the export read the same). */
export const ledgerColumns = {
  id: decisions.id,
  decidedAt: decisions.decidedAt,
  observedAt: decisions.observedAt,
  partnerId: decisions.partnerId,
  deviceId: decisions.deviceId,
  category: decisions.categoryKey,
  mode: decisions.mode,
  stage: decisions.stage,
  outcome: decisions.outcome,
  sent: decisions.sentProperties,
  reasons: decisions.reasons,
  clauseKeys: decisions.clauseKeys,
  consentVersion: decisions.consentVersion,
};

export interface LedgerFilter {
  partnerId?: string;
  category?: string;
  outcome?: "send" | "withhold" | "transform";
  from?: Date;
  to?: Date;
}

export interface LedgerCursor {
  decidedAt: Date;
  id: number;
}

export async function getHomeLedger(
  db: Executor,
  opts: { userId: string; homeId: string; filter?: LedgerFilter; cursor?: LedgerCursor | null; limit?: number },
) {
  await assertMember(db, opts.userId, opts.homeId);
  const f = opts.filter ?? {};
  const limit = Math.min(opts.limit ?? 50, 200);
  const where: (SQL | undefined)[] = [
    eq(decisions.homeId, opts.homeId),
    f.partnerId ? eq(decisions.partnerId, f.partnerId) : undefined,
    f.category ? eq(decisions.categoryKey, f.category) : undefined,
    f.outcome ? eq(decisions.outcome, f.outcome) : undefined,
    f.from ? gte(decisions.decidedAt, f.from) : undefined,
    f.to ? lt(decisions.decidedAt, f.to) : undefined,
    opts.cursor
      ? or(lt(decisions.decidedAt, opts.cursor.decidedAt), and(eq(decisions.decidedAt, opts.cursor.decidedAt), lt(decisions.id, opts.cursor.id)))
      : undefined,
  ];
  const rows = await db
    .select({ ...ledgerColumns, partnerName: partners.name, deviceName: devices.name, room: devices.room })
    .from(decisions)
    .innerJoin(partners, eq(partners.id, decisions.partnerId))
    .innerJoin(devices, eq(devices.id, decisions.deviceId))
    .where(and(...where))
    .orderBy(desc(decisions.decidedAt), desc(decisions.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    entries: page.map((r) => ({
      ...r,
      categoryName: categoryName(r.category),
      explanation: explain(r.reasons, r.partnerName, r.category, r.mode === "proactive" ? "proactive" : "on_request"),
    })),
    nextCursor: rows.length > limit && last ? { decidedAt: last.decidedAt, id: last.id } : null,
  };
}

function explain(reasons: DecisionReason[], partnerName: string, category: string, mode: "on_request" | "proactive"): string {
  return reasons.map((r) => explainForHomeowner(r, { partnerName, category, mode })).join(" ");
}
