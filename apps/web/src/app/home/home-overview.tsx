"use client";
import type { AppRouter } from "@proviso/api";
import { useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { Badge, Card } from "~/components/ui";
import { useTRPC } from "~/trpc/react";

type Homes = inferRouterOutputs<AppRouter>["home"]["overview"];

const LABEL: Record<string, string> = {
  temperature: "Temperature",
  heatingSetpoint: "Heating to",
  coolingSetpoint: "Cooling to",
  hvacMode: "Mode",
  humidity: "Humidity",
  occupancy: "Occupied",
  lockState: "Lock",
  contactState: "Door",
  energyWh: "Energy",
};

function formatValue(name: string, value: unknown): string {
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (name === "temperature" || name.endsWith("Setpoint")) return `${value} °C`;
  if (name === "humidity") return `${value} %`;
  if (name === "energyWh") return `${value} Wh`;
  return String(value);
}

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
                  <li key={d.id} className="py-2" data-device={d.id}>
                    <div className="flex flex-wrap items-center justify-between gap-2">
                      <span>
                        <span className="font-medium">{d.name}</span>
                        <span className="text-slate-600"> · {d.room}</span>
                      </span>
                      <span className="text-sm text-slate-700">
                        {d.reachable ? "online" : "offline"} · {d.lastSeenAt ? `seen ${d.lastSeenAt.toLocaleTimeString()}` : "not seen yet"}
                      </span>
                    </div>
                    {Object.keys(d.state).length ? (
                      <dl className="mt-1 flex flex-wrap gap-x-4 gap-y-1 text-sm">
                        {Object.entries(d.state).map(([name, p]) => (
                          <div key={name} className="flex gap-1">
                            <dt className="text-slate-600">{LABEL[name] ?? name}</dt>
                            <dd className="font-medium">{formatValue(name, p.value)}</dd>
                          </div>
                        ))}
                      </dl>
                    ) : null}
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
