import { pct } from "@proviso/core";
import type { Metadata } from "next";
import Link from "next/link";
import { Card, PageHeader } from "~/components/ui";
import { requireRole } from "~/server/auth";
import { serverCaller } from "~/server/caller";
import { DeletionsCard, DeliveriesCard } from "./outcome-cards";

export const metadata: Metadata = { title: "Sharing reports" };

const OUTCOMES = [
  { key: "send", label: "Sent", color: "#15803d" },
  { key: "transform", label: "Sent minimised", color: "#0f766e" },
  { key: "withhold", label: "Withheld", color: "#64748b" },
] as const;
const n = (x: number) => x.toLocaleString("en-GB");

export default async function ReportsPage({ searchParams }: { searchParams: Promise<{ from?: string; to?: string }> }) {
  await requireRole("legal", "/legal/reports");
  const sp = await searchParams;
  let report;
  let problem: string | null = null;
  try {
    report = await (await serverCaller()).legal.report({ from: sp.from ?? null, to: sp.to ?? null });
  } catch (err) {
    problem = (err as Error).message;
  }
  const qs = report ? `from=${report.period.from}&to=${report.period.to}` : "";
  return (
    <>
      <PageHeader
        title="What was shared, and what was not"
        lead="Decisions per partner, category, mode and outcome for a period; why things were withheld; consent rates; deliveries. Counts come from totals kept as decisions are written."
      />
      <form className="mb-4 flex flex-wrap items-end gap-3 text-sm" method="get">
        <label className="flex flex-col">
          First day
          <input type="date" name="from" defaultValue={report?.period.from ?? sp.from} className="rounded border border-slate-300 px-2 py-1" />
        </label>
        <label className="flex flex-col">
          Last day
          <input type="date" name="to" defaultValue={report?.period.to ?? sp.to} className="rounded border border-slate-300 px-2 py-1" />
        </label>
        <button className="rounded bg-brand-700 px-3 py-1.5 font-medium text-white">Show</button>
        {report ? (
          <span className="flex gap-3">
            <a className="text-brand-700 underline" href={`/api/reports/decisions?${qs}&format=csv`}>
              Download CSV
            </a>
            <a className="text-brand-700 underline" href={`/api/reports/decisions?${qs}&format=pdf`}>
              Download PDF
            </a>
          </span>
        ) : null}
      </form>
      {problem ? (
        <p role="alert" className="mb-4 rounded border border-red-300 bg-red-50 p-3 text-red-900">
          {problem}
        </p>
      ) : null}
      {report ? <Report report={report} /> : null}
      <p className="mt-6 text-sm">
        <Link href="/legal/audit" className="text-brand-700 underline">
          Audit log and verification
        </Link>{" "}
        ·{" "}
        <Link href="/legal/was-shared" className="text-brand-700 underline">
          Was this shared?
        </Link>
      </p>
    </>
  );
}

type ReportData = Awaited<ReturnType<Awaited<ReturnType<typeof serverCaller>>["legal"]["report"]>>;

function Report({ report }: { report: ReportData }) {
  return (
    <div className="grid gap-4">
      <p className="text-sm text-slate-700" data-testid="report-total">
        {n(report.total)} decisions from {report.period.from} to {report.period.to} · computed in {report.ms} ms
      </p>
      <Legend />
      <DailyCard daily={report.daily} />
      <MatrixCard matrix={report.matrix} />
      <div className="grid gap-4 lg:grid-cols-2">
        <WithheldReasonsCard withheldReasons={report.withheldReasons} />
        <ConsentRatesCard consentRates={report.consentRates} />
      </div>
      <DeliveriesCard deliveries={report.deliveries} />
      <DeletionsCard deletions={report.deletions} />
    </div>
  );
}

function DailyCard({ daily }: { daily: ReportData["daily"] }) {
  const byDay = new Map<string, Record<string, number>>();
  for (const d of daily) {
    const row = byDay.get(d.day) ?? {};
    row[d.outcome] = (row[d.outcome] ?? 0) + d.count;
    byDay.set(d.day, row);
  }
  const days = [...byDay.keys()].sort();
  const maxDay = Math.max(1, ...days.map((d) => Object.values(byDay.get(d)!).reduce((a, b) => a + b, 0)));
  return (
    <Card title="Decisions per day">
      {days.length === 0 ? (
        <p>No decisions in this period.</p>
      ) : (
        <figure>
          <svg
            role="img"
            aria-label={`Decisions per day, ${days.length} days, at most ${n(maxDay)} a day`}
            viewBox={`0 0 ${Math.max(days.length * 6, 300)} 120`}
            className="h-40 w-full"
            preserveAspectRatio="none"
          >
            {days.map((d, i) => {
              let y = 120;
              return OUTCOMES.map((o) => {
                const h = ((byDay.get(d)![o.key] ?? 0) / maxDay) * 115;
                y -= h;
                return (
                  <rect key={`${d}-${o.key}`} x={i * 6} y={y} width={5} height={h} fill={o.color}>
                    <title>{`${d}: ${n(byDay.get(d)![o.key] ?? 0)} ${o.label.toLowerCase()}`}</title>
                  </rect>
                );
              });
            })}
          </svg>
          <figcaption className="text-xs text-slate-600">
            {days[0]} to {days.at(-1)}; the tallest day has {n(maxDay)} decisions.
          </figcaption>
        </figure>
      )}
    </Card>
  );
}

function MatrixCard({ matrix }: { matrix: ReportData["matrix"] }) {
  const partners = [...new Set(matrix.map((m) => m.partnerId))];
  const cells = new Map<string, Record<string, number>>();
  for (const m of matrix) {
    const key = `${m.partnerId}|${m.categoryName}|${m.mode}`;
    const c = cells.get(key) ?? {};
    c[m.outcome] = (c[m.outcome] ?? 0) + m.count;
    cells.set(key, c);
  }
  const maxCell = Math.max(1, ...[...cells.values()].map((c) => Object.values(c).reduce((a, b) => a + b, 0)));
  return (
    <Card title="Messages by partner, category and mode">
      <table className="w-full text-sm">
        <thead>
          <tr className="text-left text-slate-600">
            <th scope="col" className="py-1">
              Partner
            </th>
            <th scope="col">Category</th>
            <th scope="col">Mode</th>
            <th scope="col" className="w-2/5">
              Outcome
            </th>
            {OUTCOMES.map((o) => (
              <th key={o.key} scope="col" className="text-right">
                {o.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {[...cells.entries()].map(([key, c]) => {
            const [partner, category, mode] = key.split("|");
            const total = Object.values(c).reduce((a, b) => a + b, 0);
            return (
              <tr key={key} className="border-t border-slate-100">
                <td className="py-1">{partner}</td>
                <td>{category}</td>
                <td>{mode!.replace("_", " ")}</td>
                <td>
                  <div className="flex h-3" style={{ width: `${Math.max(2, (total / maxCell) * 100)}%` }} aria-hidden="true">
                    {OUTCOMES.map((o) => (
                      <div key={o.key} style={{ width: `${((c[o.key] ?? 0) / total) * 100}%`, background: o.color }} />
                    ))}
                  </div>
                </td>
                {OUTCOMES.map((o) => (
                  <td key={o.key} className="text-right tabular-nums">
                    {n(c[o.key] ?? 0)}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
      {partners.length === 0 ? <p>No decisions in this period.</p> : null}
    </Card>
  );
}

function WithheldReasonsCard({ withheldReasons }: { withheldReasons: ReportData["withheldReasons"] }) {
  const maxReason = Math.max(1, ...withheldReasons.map((w) => w.count));
  return (
    <Card title="Why things were withheld">
      <ul className="grid gap-1 text-sm">
        {withheldReasons.map((w) => (
          <li key={`${w.partnerId}-${w.reason}`} className="grid grid-cols-[7rem_12rem_1fr_auto] items-center gap-2">
            <span>{w.partnerId}</span>
            <span className="font-mono text-xs">{w.reason}</span>
            <span className="h-3 bg-slate-500" style={{ width: `${Math.max(1, (w.count / maxReason) * 100)}%` }} aria-hidden="true" />
            <span className="tabular-nums">{n(w.count)}</span>
          </li>
        ))}
        {withheldReasons.length === 0 ? <li>Nothing was withheld in this period.</li> : null}
      </ul>
    </Card>
  );
}

function ConsentRatesCard({ consentRates }: { consentRates: ReportData["consentRates"] }) {
  return (
    <Card title="Consent rates at the period's end">
      <table className="w-full text-sm">
        <thead>
          <tr className="text-left text-slate-600">
            <th scope="col">Partner</th>
            <th scope="col">Category</th>
            <th scope="col" className="text-right">
              Linked homes
            </th>
            <th scope="col" className="text-right">
              On request
            </th>
            <th scope="col" className="text-right">
              Proactive
            </th>
          </tr>
        </thead>
        <tbody>
          {consentRates.map((c) => (
            <tr key={`${c.partnerId}-${c.category}`} className="border-t border-slate-100">
              <td className="py-1">{c.partnerId}</td>
              <td>{c.categoryName}</td>
              <td className="text-right tabular-nums">{n(c.linkedHomes)}</td>
              <td className="text-right tabular-nums">{pct(c.onRequest, c.linkedHomes)}</td>
              <td className="text-right tabular-nums">{pct(c.proactive, c.linkedHomes)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

function Legend() {
  return (
    <ul className="flex gap-4 text-sm" aria-label="Colours">
      {OUTCOMES.map((o) => (
        <li key={o.key} className="flex items-center gap-1">
          <span className="inline-block h-3 w-3" style={{ background: o.color }} aria-hidden="true" /> {o.label}
        </li>
      ))}
    </ul>
  );
}
