// "What was shared": every decision for a home, newest first, filterable, paginated by cursor
// (decided_at, id), on the (home_id, decided_at, id) index.
import { categoryName, type DecisionReason, type DecisionOutcome } from "@proviso/domain";
import { decisions, devices, partners, stateEvents, type Executor } from "@proviso/db";
import { explainForHomeowner } from "@proviso/policy";
import { and, desc, eq, gte, lt, or, sql, type SQL } from "drizzle-orm";
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
  outcome?: DecisionOutcome;
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
    .select({ ...ledgerColumns, partnerName: partners.name, deviceName: devices.name, room: devices.room, cause: stateEvents.cause })
    .from(decisions)
    .innerJoin(partners, eq(partners.id, decisions.partnerId))
    .innerJoin(devices, eq(devices.id, decisions.deviceId))
    // Why the device reported (physical, app, voice, schedule, periodic); none for a partner's request.
    .leftJoin(stateEvents, eq(stateEvents.id, decisions.stateEventId))
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

/** A decision's reasons in the homeowner's words (the page and the export say the same). */
export function explain(reasons: DecisionReason[], partnerName: string, category: string, mode: "on_request" | "proactive"): string {
  return reasons.map((r) => explainForHomeowner(r, { partnerName, category, mode })).join(" ");
}

/**
 * Shares per platform per day for the chart beside the ledger: sent (as is or minimised) and
 * withheld, from the (home, decided_at) index — one range scan of the home's recent decisions.
 */
export async function getHomeShareChart(db: Executor, opts: { userId: string; homeId: string; days: number; now: Date }) {
  await assertMember(db, opts.userId, opts.homeId);
  const end = Date.UTC(opts.now.getUTCFullYear(), opts.now.getUTCMonth(), opts.now.getUTCDate()) + 86_400_000;
  const start = new Date(end - opts.days * 86_400_000);
  const rows = (await db.execute(sql`
    select to_char(d.decided_at at time zone 'UTC', 'YYYY-MM-DD') as day, d.partner_id, p.name as partner_name,
           count(*) filter (where d.outcome <> 'withhold')::int as shared, count(*) filter (where d.outcome = 'withhold')::int as withheld
      from decisions d join partners p on p.id = d.partner_id
     where d.home_id = ${opts.homeId} and d.decided_at >= ${start} and d.decided_at < ${new Date(end)}
     group by 1, 2, 3 order by 1, 2`)) as unknown as { rows: { day: string; partner_id: string; partner_name: string; shared: number; withheld: number }[] };
  const days = Array.from({ length: opts.days }, (_, i) => new Date(start.getTime() + i * 86_400_000).toISOString().slice(0, 10));
  const partnersSeen = new Map<string, string>();
  for (const r of rows.rows) partnersSeen.set(r.partner_id, r.partner_name);
  return {
    days,
    partners: [...partnersSeen].map(([id, name]) => ({ id, name })),
    points: rows.rows.map((r) => ({ day: r.day, partnerId: r.partner_id, shared: r.shared, withheld: r.withheld })),
  };
}
