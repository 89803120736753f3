"use client";
// What-if: replay the recorded state changes of the last N days with this version in place of the
// one in force, in the worker, with progress; then the difference per category and mode.
import { categoryName } from "@proviso/domain";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { isRunning, jobPolling, percentDone, refetchJob } from "~/components/background-job";
import { useHydrated } from "~/components/use-hydrated";
import { useTRPC } from "~/trpc/react";

interface Row {
  category: string;
  mode: string;
  decisions: number;
  sentBefore: number;
  sentAfter: number;
  startsFlowing: number;
  stopsFlowing: number;
}
// A type alias, not an interface: the job's result (a record) converts to it.
type ReplayResultData = { rows: Row[]; events: number; days: number; elapsedMs: number; from: string; to: string };

export function WhatIf({ versionId }: { versionId: string }) {
  const trpc = useTRPC();
  const [days, setDays] = useState(30);
  const hydrated = useHydrated();
  const qc = useQueryClient();
  const jobQuery = trpc.partners.replay.queryOptions({ versionId }, jobPolling);
  const job = useQuery(jobQuery);
  const start = useMutation(trpc.partners.requestReplay.mutationOptions({ onSuccess: () => refetchJob(qc, jobQuery.queryKey) }));
  const j = job.data;
  const running = isRunning(j);
  const result = j?.status === "done" ? (j.result as ReplayResultData) : null;
  const pct = percentDone(j);
  return (
    <div>
      <form
        className="flex flex-wrap items-end gap-3 text-sm"
        onSubmit={(e) => {
          e.preventDefault();
          start.mutate({ versionId, days });
        }}
      >
        <label className="flex flex-col">
          Days of recorded history
          <input
            type="number"
            min={1}
            max={366}
            value={days}
            onChange={(e) => setDays(Number(e.target.value))}
            className="w-28 rounded border border-slate-300 px-2 py-1"
          />
        </label>
        <button className="rounded bg-brand-700 px-3 py-1.5 font-medium text-white disabled:opacity-60" disabled={!hydrated || !!running || start.isPending}>
          Replay with this version
        </button>
        {start.error ? (
          <span role="alert" className="text-red-800">
            {start.error.message}
          </span>
        ) : null}
      </form>
      <div aria-live="polite" className="mt-3 text-sm">
        {running ? (
          <div data-testid="replay-progress">
            <p>
              Replaying: {j.processed.toLocaleString("en-GB")} of {j.total.toLocaleString("en-GB")} state changes ({pct} %)
            </p>
            <progress max={100} value={pct} className="w-full" aria-label="Replay progress" />
          </div>
        ) : null}
        {j?.status === "failed" ? <p role="alert">The replay failed: {j.error}</p> : null}
        {result ? <ReplayResult result={result} /> : null}
      </div>
    </div>
  );
}

function ReplayResult({ result }: { result: ReplayResultData }) {
  return (
    <div data-testid="replay-result">
      <p className="mb-2">
        {result.events.toLocaleString("en-GB")} recorded state changes of the last {result.days} days, decided twice by the engine in {result.elapsedMs} ms.
      </p>
      <table className="w-full text-left">
        <thead className="text-slate-600">
          <tr>
            <th scope="col">Category</th>
            <th scope="col">Mode</th>
            <th scope="col" className="text-right">
              Sent now
            </th>
            <th scope="col" className="text-right">
              With this version
            </th>
            <th scope="col" className="text-right">
              Would start
            </th>
            <th scope="col" className="text-right">
              Would stop
            </th>
          </tr>
        </thead>
        <tbody>
          {result.rows.map((r) => (
            <tr key={`${r.category}|${r.mode}`} className="border-t border-slate-100" data-whatif={`${r.category}|${r.mode}`}>
              <td className="py-1">{categoryName(r.category)}</td>
              <td>{r.mode.replace("_", " ")}</td>
              <td className="text-right tabular-nums">{r.sentBefore.toLocaleString("en-GB")}</td>
              <td className="text-right tabular-nums">{r.sentAfter.toLocaleString("en-GB")}</td>
              <td className="text-right tabular-nums">{r.startsFlowing.toLocaleString("en-GB")}</td>
              <td className="text-right tabular-nums">{r.stopsFlowing.toLocaleString("en-GB")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
