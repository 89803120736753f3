"use client";
import type { AppRouter } from "@proviso/api";
import { useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { Badge, Card } from "~/components/ui";
import { useTRPC } from "~/trpc/react";

type Homes = inferRouterOutputs<AppRouter>["home"]["overview"];

/** Refreshes every few seconds, so devices' state shows without reloading. */
export function HomeOverview({ initial }: { initial: Homes }) {
  const trpc = useTRPC();
  const { data: homes } = useQuery(trpc.home.overview.queryOptions(undefined, { initialData: initial, refetchInterval: 5_000 }));
  if (homes.length === 0) return <p>No home is linked to your account yet.</p>;
  return (
    <div className="space-y-6">
      {homes.map((home) => (
        <div key={home.id} className="grid gap-4 md:grid-cols-3">
          <div className="md:col-span-2">
            <Card title={`${home.name}: devices`}>
              <ul className="divide-y divide-slate-100">
                {home.devices.map((d) => (
                  <li key={d.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
                    <span>
                      <span className="font-medium">{d.name}</span>
                      <span className="text-slate-600"> · {d.room}</span>
                    </span>
                    <span className="text-sm text-slate-700">
                      {d.model} · {d.lastSeenAt ? `seen ${d.lastSeenAt.toLocaleTimeString()}` : "not seen yet"}
                    </span>
                  </li>
                ))}
              </ul>
            </Card>
          </div>
          <Card title="Linked platforms" id={`links-${home.id}`}>
            {home.links.length === 0 ? (
              <p className="text-slate-700">No platform is linked.</p>
            ) : (
              <ul className="space-y-2">
                {home.links.map((l) => (
                  <li key={l.id} className="flex items-center justify-between">
                    <span>{l.partnerName}</span>
                    <Badge value={l.status} />
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </div>
      ))}
    </div>
  );
}
