// The period report for legal: messages per partner × category × mode × outcome, why things were
// withheld, consent rates per partner and category (as they stood at the period's end), and
// deliveries failed and dead-lettered. Decision counts come from `decision_daily_stats`, the totals
// kept as each sealed batch is written, so the report does not scan the ledger.
import { toCsv } from "../csv";
import { categoryName, CATEGORIES } from "@proviso/domain";
import type { Executor } from "@proviso/db";
import { sql } from "drizzle-orm";
import { AppError } from "../errors";
import { deletionSummary } from "../partners/deletion-requests";

export interface ReportPeriod {
  /** First and last day, inclusive (YYYY-MM-DD, UTC). */
  from: string;
  to: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function parsePeriod(p: { from?: string | null; to?: string | null }, now = new Date()): ReportPeriod {
  const to = p.to || now.toISOString().slice(0, 10);
  const from = p.from || new Date(Date.parse(`${to}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
  const errors: Record<string, string[]> = {};
  if (!DAY.test(from) || Number.isNaN(Date.parse(from))) errors.from = ["Give the first day as YYYY-MM-DD"];
  if (!DAY.test(to) || Number.isNaN(Date.parse(to))) errors.to = ["Give the last day as YYYY-MM-DD"];
  if (!errors.from && !errors.to && from > to) errors.to = ["The last day cannot be before the first"];
  if (Object.keys(errors).length) throw new AppError("INVALID", "The period is not valid", errors);
  return { from, to };
}

type Rows<T> = { rows: T[] };
const q = async <T>(db: Executor, query: ReturnType<typeof sql>) => ((await db.execute(query)) as unknown as Rows<T>).rows;

export async function getDecisionReport(db: Executor, period: ReportPeriod) {
  const started = performance.now();
  const { from, to } = period;
  const endExclusive = new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000);
  const [matrix, reasons, daily, consentRates, deliveries] = await Promise.all([
    q<{ partner_id: string; category_key: string; mode: string; outcome: string; n: string }>(
      db,
      sql`select partner_id, category_key, mode::text, outcome::text, sum(count)::bigint as n from decision_daily_stats
           where day between ${from}::date and ${to}::date group by 1, 2, 3, 4 order by 1, 2, 3, 4`,
    ),
    q<{ partner_id: string; reason_code: string; n: string }>(
      db,
      sql`select partner_id, reason_code, sum(count)::bigint as n from decision_daily_stats
           where day between ${from}::date and ${to}::date and outcome = 'withhold' group by 1, 2 order by 3 desc`,
    ),
    q<{ day: string; partner_id: string; outcome: string; n: string }>(
      db,
      sql`select to_char(day, 'YYYY-MM-DD') as day, partner_id, outcome::text, sum(count)::bigint as n from decision_daily_stats
           where day between ${from}::date and ${to}::date group by 1, 2, 3 order by 1, 2, 3`,
    ),
    // Links active at the period's end, and each one's latest consent per category set by then.
    q<{ partner_id: string; category_key: string; linked: string; on_request: string; proactive: string }>(
      db,
      sql`with links as (
            select id, home_id, partner_id from partner_links
             where linked_at < ${endExclusive} and (ended_at is null or ended_at >= ${endExclusive})
          ), latest as (
            select distinct on (c.home_id, c.partner_id, c.category_key) c.home_id, c.partner_id, c.category_key, c.mode
              from consents c join links l on l.home_id = c.home_id and l.partner_id = c.partner_id
             where c.set_at < ${endExclusive}
             order by c.home_id, c.partner_id, c.category_key, c.version desc
          ), totals as (select partner_id, count(*) as linked from links group by partner_id)
          select l.partner_id, l.category_key, t.linked::bigint as linked,
                 count(*) filter (where l.mode = 'on_request')::bigint as on_request,
                 count(*) filter (where l.mode = 'proactive')::bigint as proactive
            from latest l join totals t using (partner_id)
           group by l.partner_id, l.category_key, t.linked order by 1, 2`,
    ),
    q<{ partner_id: string; status: string; n: string; failed_attempts: string }>(
      db,
      sql`select partner_id, status::text, count(*)::bigint as n, count(*) filter (where last_status_code is not null and (last_status_code >= 400 or status = 'dead'))::bigint as failed_attempts
            from outbox where created_at >= ${from}::date and created_at < ${endExclusive} group by 1, 2 order by 1, 2`,
    ),
  ]);
  // Deletion requests made in the period, by status, and each still owed past its deadline.
  const deletions = await deletionSummary(db, { from: new Date(`${from}T00:00:00Z`), to: endExclusive });
  const total = matrix.reduce((n, r) => n + Number(r.n), 0);
  return {
    period,
    total,
    matrix: matrix.map((r) => ({
      partnerId: r.partner_id,
      category: r.category_key,
      categoryName: nameOf(r.category_key),
      mode: r.mode,
      outcome: r.outcome,
      count: Number(r.n),
    })),
    withheldReasons: reasons.map((r) => ({ partnerId: r.partner_id, reason: r.reason_code, count: Number(r.n) })),
    daily: daily.map((r) => ({ day: r.day, partnerId: r.partner_id, outcome: r.outcome, count: Number(r.n) })),
    consentRates: consentRates.map((r) => ({
      partnerId: r.partner_id,
      category: r.category_key,
      categoryName: nameOf(r.category_key),
      linkedHomes: Number(r.linked),
      onRequest: Number(r.on_request),
      proactive: Number(r.proactive),
    })),
    deliveries: deliveries.map((r) => ({ partnerId: r.partner_id, status: r.status, count: Number(r.n), failed: Number(r.failed_attempts) })),
    deletions,
    ms: Math.round(performance.now() - started),
  };
}

const known = new Set<string>(CATEGORIES.map((c) => c.key));
const nameOf = (key: string) => (known.has(key) ? categoryName(key) : key);

export type DecisionReport = Awaited<ReturnType<typeof getDecisionReport>>;

/** One CSV with a `section` column, so every table of the report fits in one file. */
export function reportCsv(r: DecisionReport): string {
  return toCsv(
    ["section", "partner", "category", "mode", "outcome_or_status", "reason", "count", "linked_homes", "on_request", "proactive"],
    [
      ...r.matrix.map((m) => ["messages", m.partnerId, m.category, m.mode, m.outcome, "", m.count, "", "", ""]),
      ...r.withheldReasons.map((w) => ["withheld_reasons", w.partnerId, "", "", "withhold", w.reason, w.count, "", "", ""]),
      ...r.consentRates.map((c) => ["consent_rates", c.partnerId, c.category, "", "", "", "", c.linkedHomes, c.onRequest, c.proactive]),
      ...r.deliveries.map((d) => ["deliveries", d.partnerId, "", "", d.status, "", d.count, "", "", ""]),
      ...r.deletions.overdue.map((d) => [
        "deletions_overdue",
        d.partnerId,
        "",
        "",
        "overdue",
        `deadline ${d.deadline.toISOString().slice(0, 10)}`,
        1,
        "",
        "",
        "",
      ]),
    ],
  );
}
