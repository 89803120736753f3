"use client";
// "What was shared": every decision for the home, newest first, with the value as it was sent and
// the reason in plain words. Filters by platform and outcome; more loads by cursor; new entries
// arrive while the page is open.
import type { AppRouter } from "@proviso/api";
import { useInfiniteQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useState } from "react";
import { Badge, Card } from "~/components/ui";
import { CATEGORIES, type DecisionOutcome } from "@proviso/domain";
import { useTRPC } from "~/trpc/react";
import { ShareChart } from "./share-chart";

type LedgerEntry = inferRouterOutputs<AppRouter>["home"]["ledger"]["entries"][number];

const OUTCOME = { send: "sent", transform: "sent (minimised)", withhold: "withheld" } as const;
const CAUSE = {
  physical: "changed at the device",
  app: "changed in the app",
  voice: "changed by voice",
  schedule: "changed by a schedule",
  periodic: "periodic report",
} as const;

type LedgerFilters = { partnerId: string; outcome: string; category: string; from: string; to: string };
const NO_FILTERS: LedgerFilters = { partnerId: "", outcome: "", category: "", from: "", to: "" };

export function HomeLedger({ homeId, partners }: { homeId: string; partners: { id: string; name: string }[] }) {
  const trpc = useTRPC();
  const [filters, setFilters] = useState<LedgerFilters>(NO_FILTERS);
  const { partnerId, outcome, category, from, to } = filters;
  const ledger = useInfiniteQuery(
    trpc.home.ledger.infiniteQueryOptions(
      {
        homeId,
        limit: 25,
        ...(partnerId ? { partnerId } : {}),
        ...(outcome ? { outcome: outcome as DecisionOutcome } : {}),
        ...(category ? { category } : {}),
        ...(from ? { from: new Date(`${from}T00:00:00`) } : {}),
        // The whole of the last day chosen.
        ...(to ? { to: new Date(new Date(`${to}T00:00:00`).getTime() + 86_400_000) } : {}),
      },
      { getNextPageParam: (last) => last.nextCursor, refetchInterval: 5_000 },
    ),
  );
  const entries = ledger.data?.pages.flatMap((p) => p.entries) ?? [];
  return (
    <Card title="What was shared" id={`ledger-${homeId}`}>
      <LedgerFilterBar partners={partners} filters={filters} onChange={(key, value) => setFilters((f) => ({ ...f, [key]: value }))} />
      <ShareChart homeId={homeId} />
      {ledger.isPending ? (
        <p>Loading…</p>
      ) : entries.length === 0 ? (
        <p>{partnerId || outcome || category || from || to ? "No decisions match these filters." : "Nothing has been decided for this home yet."}</p>
      ) : null}
      <ol className="divide-y divide-slate-100" aria-label="Decisions, newest first">
        {entries.map((e) => (
          <LedgerEntryItem key={e.id} entry={e} />
        ))}
      </ol>
      {ledger.hasNextPage ? (
        <button
          type="button"
          className="mt-3 rounded border border-slate-300 px-4 py-2 hover:bg-slate-100"
          disabled={ledger.isFetchingNextPage}
          onClick={() => void ledger.fetchNextPage()}
        >
          Show older
        </button>
      ) : null}
    </Card>
  );
}

function LedgerFilterBar({
  partners,
  filters,
  onChange,
}: {
  partners: { id: string; name: string }[];
  filters: LedgerFilters;
  onChange: (key: keyof LedgerFilters, value: string) => void;
}) {
  return (
    <div className="mb-3 flex flex-wrap gap-4 text-sm">
      <label className="flex items-center gap-2">
        Platform
        <select className="rounded border border-slate-300 px-2 py-1" value={filters.partnerId} onChange={(e) => onChange("partnerId", e.target.value)}>
          <option value="">All</option>
          {partners.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      </label>
      <label className="flex items-center gap-2">
        Outcome
        <select className="rounded border border-slate-300 px-2 py-1" value={filters.outcome} onChange={(e) => onChange("outcome", e.target.value)}>
          <option value="">All</option>
          <option value="send">Sent</option>
          <option value="transform">Sent (minimised)</option>
          <option value="withhold">Withheld</option>
        </select>
      </label>
      <label className="flex items-center gap-2">
        Category
        <select className="rounded border border-slate-300 px-2 py-1" value={filters.category} onChange={(e) => onChange("category", e.target.value)}>
          <option value="">All</option>
          {CATEGORIES.map((c) => (
            <option key={c.key} value={c.key}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      <label className="flex items-center gap-2">
        From
        <input type="date" className="rounded border border-slate-300 px-2 py-1" value={filters.from} onChange={(e) => onChange("from", e.target.value)} />
      </label>
      <label className="flex items-center gap-2">
        To
        <input type="date" className="rounded border border-slate-300 px-2 py-1" value={filters.to} onChange={(e) => onChange("to", e.target.value)} />
      </label>
    </div>
  );
}

function LedgerEntryItem({ entry: e }: { entry: LedgerEntry }) {
  return (
    <li className="py-2 text-sm" data-ledger-entry={e.id}>
      <div className="flex flex-wrap items-center gap-2">
        <Badge value={OUTCOME[e.outcome]} />
        <span className="font-medium">
          {e.partnerName} · {e.categoryName}
        </span>
        <span className="text-slate-600">
          {e.deviceName} ({e.room}) · {e.mode === "proactive" ? "as it changed" : "when asked"}
          {e.cause ? ` · ${CAUSE[e.cause]}` : ""} · {e.decidedAt.toLocaleString()}
        </span>
      </div>
      {e.sent ? (
        <p className="text-slate-800">
          Sent:{" "}
          {Object.entries(e.sent)
            .map(([k, v]) => `${k} ${String(v)}`)
            .join(", ")}
        </p>
      ) : null}
      <p className="text-slate-700">{e.explanation}</p>
    </li>
  );
}
