"use client";
// A manager's actions on a partner's leverage: answer a demand (with a new draft, or a status and a
// note), and record a certification's status and validity.
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useHydrated } from "~/components/use-hydrated";
import { useTRPC } from "~/trpc/react";

export function AnswerDemand({ demandId, status }: { demandId: string; status: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const hydrated = useHydrated();
  const [next, setNext] = useState(status);
  const [note, setNote] = useState("");
  const draft = useMutation(trpc.partners.draftForDemand.mutationOptions({ onSuccess: (v) => router.push(`/partners/versions/${v.id}/edit`) }));
  const answer = useMutation(trpc.partners.answerDemand.mutationOptions({ onSuccess: () => router.refresh() }));
  const error = (draft.error ?? answer.error)?.message;
  return (
    <div className="mt-2 flex flex-wrap items-end gap-2 text-sm">
      <button
        type="button"
        className="rounded bg-brand-700 px-3 py-1 font-medium text-white"
        disabled={!hydrated || draft.isPending}
        onClick={() => draft.mutate({ demandId })}
      >
        Answer with a new draft
      </button>
      <StatusSelect options={["open", "countered", "accepted", "rejected"]} value={next} onChange={setNext} />
      <label className="flex flex-col">
        Note
        <input className="rounded border border-slate-300 px-2 py-1" value={note} onChange={(e) => setNote(e.target.value)} />
      </label>
      <button
        type="button"
        className="rounded border border-slate-300 px-3 py-1"
        disabled={!hydrated || answer.isPending}
        onClick={() => answer.mutate({ demandId, status: next as "open", note })}
      >
        Save answer
      </button>
      {error ? (
        <span role="alert" className="text-red-800">
          {error}
        </span>
      ) : null}
    </div>
  );
}

export function UpdateCertification({ id, label, status, validUntil }: { id: string; label: string; status: string; validUntil: string | null }) {
  const trpc = useTRPC();
  const router = useRouter();
  const hydrated = useHydrated();
  const [next, setNext] = useState(status);
  const [until, setUntil] = useState(validUntil ?? "");
  const update = useMutation(trpc.partners.updateCertification.mutationOptions({ onSuccess: () => router.refresh() }));
  return (
    <form
      className="flex flex-wrap items-end gap-2 text-sm"
      aria-label={`Update ${label}`}
      onSubmit={(e) => {
        e.preventDefault();
        update.mutate({ certificationId: id, status: next as "certified", validUntil: until ? new Date(`${until}T00:00:00Z`) : null });
      }}
    >
      <StatusSelect options={["certified", "pending", "expired", "revoked"]} value={next} onChange={setNext} />
      <label className="flex flex-col">
        Valid until
        <input type="date" className="rounded border border-slate-300 px-2 py-1" value={until} onChange={(e) => setUntil(e.target.value)} />
      </label>
      <button className="rounded border border-slate-300 px-3 py-1" disabled={!hydrated || update.isPending}>
        Record
      </button>
      {update.error ? (
        <span role="alert" className="text-red-800">
          {update.error.message}
        </span>
      ) : null}
    </form>
  );
}

export function UpdateListing({ id, label, status }: { id: string; label: string; status: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const hydrated = useHydrated();
  const update = useMutation(trpc.partners.updateListing.mutationOptions({ onSuccess: () => router.refresh() }));
  return (
    <span className="inline-flex items-center gap-2">
      <select
        aria-label={`Status of ${label}`}
        className="rounded border border-slate-300 px-1 py-0.5 text-sm"
        defaultValue={status}
        disabled={!hydrated || update.isPending}
        onChange={(e) => update.mutate({ listingId: id, status: e.target.value as "listed" })}
      >
        {["listed", "at_risk", "delisted"].map((s) => (
          <option key={s} value={s}>
            {s.replace("_", " ")}
          </option>
        ))}
      </select>
      {update.error ? (
        <span role="alert" className="text-red-800">
          {update.error.message}
        </span>
      ) : null}
    </span>
  );
}

/** The labelled status choice both forms use. */
function StatusSelect({ options, value, onChange }: { options: readonly string[]; value: string; onChange: (v: string) => void }) {
  return (
    <label className="flex flex-col">
      Status
      <select className="rounded border border-slate-300 px-2 py-1" value={value} onChange={(e) => onChange(e.target.value)}>
        {options.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
    </label>
  );
}
