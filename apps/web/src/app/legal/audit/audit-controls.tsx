"use client";
// Verify the chain (all of it, or a range) and sign a checkpoint now.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { isRunning, jobPolling, percentDone, refetchJob } from "~/components/background-job";
import { useHydrated } from "~/components/use-hydrated";
import { useTRPC } from "~/trpc/react";

export function VerifyAudit() {
  const trpc = useTRPC();
  const hydrated = useHydrated();
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const qc = useQueryClient();
  const latestQuery = trpc.legal.verification.queryOptions(undefined, jobPolling);
  const latest = useQuery(latestQuery);
  const verify = useMutation(trpc.legal.verifyAudit.mutationOptions({ onSuccess: () => refetchJob(qc, latestQuery.queryKey) }));
  const v = latest.data;
  const running = isRunning(v);
  const r = v?.status === "done" ? v.report : null;
  const pct = percentDone(v);
  return (
    <div>
      <form
        className="flex flex-wrap items-end gap-3 text-sm"
        onSubmit={(e) => {
          e.preventDefault();
          verify.mutate({ from: from ? Number(from) : null, to: to ? Number(to) : null });
        }}
      >
        <label className="flex flex-col">
          From entry (optional)
          <input
            inputMode="numeric"
            value={from}
            onChange={(e) => setFrom(e.target.value.replace(/\D/g, ""))}
            className="w-32 rounded border border-slate-300 px-2 py-1"
          />
        </label>
        <label className="flex flex-col">
          To entry (optional)
          <input
            inputMode="numeric"
            value={to}
            onChange={(e) => setTo(e.target.value.replace(/\D/g, ""))}
            className="w-32 rounded border border-slate-300 px-2 py-1"
          />
        </label>
        <button disabled={!hydrated || verify.isPending || !!running} className="rounded bg-brand-700 px-3 py-1.5 font-medium text-white disabled:opacity-60">
          {running ? "Verifying…" : "Verify the chain"}
        </button>
      </form>
      <div aria-live="polite" className="mt-3">
        {verify.error ? (
          <p role="alert" className="rounded border border-red-300 bg-red-50 p-3 text-red-900">
            {verify.error.message}
          </p>
        ) : null}
        {running ? (
          <div data-testid="verify-progress" className="text-sm">
            <p>
              The worker is verifying: {v.processed.toLocaleString("en-GB")} of {v.total ? v.total.toLocaleString("en-GB") : "…"} entries ({pct} %)
            </p>
            <progress max={100} value={pct} className="w-full" aria-label="Verification progress" />
          </div>
        ) : null}
        {v?.status === "failed" ? (
          <p role="alert" className="rounded border border-red-300 bg-red-50 p-3 text-red-900">
            The verification could not run: {v.error}
          </p>
        ) : null}
        {r ? (
          r.ok ? (
            <p data-testid="verify-result" className="rounded border border-green-300 bg-green-50 p-3 text-green-900">
              Verified: entries #{r.from}–#{r.to} ({r.entries.toLocaleString("en-GB")} entries, {r.batches.toLocaleString("en-GB")} decision batches,{" "}
              {r.decisions.toLocaleString("en-GB")} decisions, {r.checkpoints} signed checkpoints) in {r.ms} ms. Nothing was altered, removed or reordered.
            </p>
          ) : (
            <p data-testid="verify-result" role="alert" className="rounded border border-red-300 bg-red-50 p-3 text-red-900">
              Verification failed at entry {r.failure?.seq === null ? "(none)" : `#${r.failure?.seq}`}: {r.failure?.message}
            </p>
          )
        ) : null}
        {v?.finishedAt ? <p className="mt-1 text-xs text-slate-600">Finished {v.finishedAt.toISOString().replace("T", " ").slice(0, 19)} UTC.</p> : null}
      </div>
    </div>
  );
}

export function SignCheckpoint({ enabled }: { enabled: boolean }) {
  const trpc = useTRPC();
  const hydrated = useHydrated();
  const router = useRouter();
  const qc = useQueryClient();
  const sign = useMutation(
    trpc.legal.signCheckpoint.mutationOptions({
      onSuccess: async () => {
        await qc.invalidateQueries();
        router.refresh();
      },
    }),
  );
  return (
    <div className="flex items-center gap-3 text-sm">
      <button
        disabled={!hydrated || !enabled || sign.isPending}
        onClick={() => sign.mutate()}
        className="rounded border border-brand-700 px-3 py-1.5 font-medium text-brand-700 disabled:opacity-60"
      >
        Sign a checkpoint now
      </button>
      {sign.error ? (
        <span role="alert" className="text-red-800">
          {sign.error.message}
        </span>
      ) : null}
      {sign.data ? (
        <span aria-live="polite">
          Checkpoint {sign.data.id} covers entry #{sign.data.uptoSeq}.
        </span>
      ) : null}
    </div>
  );
}
