"use client";
// Shares per platform per day, the last 30 days: one small bar chart per platform (shared in
// green, withheld in grey), with the numbers in a table for screen readers.
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "~/trpc/react";

export function ShareChart({ homeId }: { homeId: string }) {
  const trpc = useTRPC();
  const chart = useQuery(trpc.home.shareChart.queryOptions({ homeId, days: 30 }, { refetchInterval: 10_000 }));
  if (!chart.data) return null;
  const { days, partners, points } = chart.data;
  if (partners.length === 0) return <p className="mb-3 text-sm text-slate-700">No decisions in the last 30 days.</p>;
  const max = Math.max(1, ...points.map((p) => p.shared + p.withheld));
  const w = 8;
  return (
    <div className="mb-4 grid gap-3 sm:grid-cols-2" data-testid="share-chart">
      {partners.map((partner) => {
        const byDay = new Map(points.filter((p) => p.partnerId === partner.id).map((p) => [p.day, p]));
        const totalShared = [...byDay.values()].reduce((n, p) => n + p.shared, 0);
        const totalWithheld = [...byDay.values()].reduce((n, p) => n + p.withheld, 0);
        return (
          <figure key={partner.id} className="rounded border border-slate-200 p-2">
            <figcaption className="text-sm font-medium">
              {partner.name}: {totalShared} shared, {totalWithheld} withheld in 30 days
            </figcaption>
            <svg viewBox={`0 0 ${days.length * w} 60`} className="h-16 w-full" preserveAspectRatio="none" aria-hidden="true">
              {days.map((day, i) => {
                const p = byDay.get(day);
                if (!p) return null;
                const hs = (p.shared / max) * 58;
                const hw = (p.withheld / max) * 58;
                return (
                  <g key={day}>
                    <rect x={i * w + 1} y={60 - hs} width={w - 2} height={hs} fill="#15803d" />
                    <rect x={i * w + 1} y={60 - hs - hw} width={w - 2} height={hw} fill="#94a3b8" />
                  </g>
                );
              })}
            </svg>
            <table className="sr-only">
              <caption>Shares with {partner.name} per day</caption>
              <thead>
                <tr>
                  <th scope="col">Day</th>
                  <th scope="col">Shared</th>
                  <th scope="col">Withheld</th>
                </tr>
              </thead>
              <tbody>
                {[...byDay.values()].map((p) => (
                  <tr key={p.day}>
                    <td>{p.day}</td>
                    <td>{p.shared}</td>
                    <td>{p.withheld}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </figure>
        );
      })}
    </div>
  );
}
