"use client";
// Buttons that change an agreement version. The server decides who may; these only ask.
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useTRPC } from "~/trpc/react";

const button = "rounded px-4 py-2 font-medium disabled:opacity-50";

export function NewDraftButton({ agreementId, basePath }: { agreementId: string; basePath: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const create = useMutation(trpc.agreements.createDraft.mutationOptions({ onSuccess: (v) => router.push(`${basePath}/versions/${v.id}/edit`) }));
  return (
    <div>
      <button
        type="button"
        className={`${button} bg-brand-600 text-white hover:bg-brand-700`}
        disabled={create.isPending}
        onClick={() => create.mutate({ agreementId })}
      >
        New draft from the version in force
      </button>
      {create.error ? (
        <p role="alert" className="mt-2 text-sm text-red-800">
          {create.error.message}
        </p>
      ) : null}
    </div>
  );
}

export function SubmitForReviewButton({ versionId }: { versionId: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const submit = useMutation(trpc.agreements.submit.mutationOptions({ onSuccess: () => router.refresh() }));
  return (
    <div>
      <button
        type="button"
        className={`${button} bg-brand-600 text-white hover:bg-brand-700`}
        disabled={submit.isPending}
        onClick={() => submit.mutate({ versionId })}
      >
        Submit for legal review
      </button>
      {submit.error ? (
        <p role="alert" className="mt-2 text-sm text-red-800">
          {submit.error.message}
        </p>
      ) : null}
    </div>
  );
}

export function TerminateForm({ versionId }: { versionId: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [reason, setReason] = useState("");
  const terminate = useMutation(trpc.agreements.terminate.mutationOptions({ onSuccess: () => router.refresh() }));
  return (
    <form
      className="space-y-2"
      onSubmit={(e) => {
        e.preventDefault();
        terminate.mutate({ versionId, reason });
      }}
    >
      <label htmlFor="terminate-reason" className="block text-sm font-medium">
        Reason for terminating
      </label>
      <textarea
        id="terminate-reason"
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        className="w-full rounded border border-slate-300 p-2"
        rows={2}
      />
      <button type="submit" disabled={terminate.isPending} className={`${button} border border-red-700 text-red-800 hover:bg-red-50`}>
        Terminate this version
      </button>
      {terminate.error ? (
        <p role="alert" className="text-sm text-red-800">
          {terminate.error.message}
        </p>
      ) : null}
    </form>
  );
}

export function ReviewDecisionForm({ versionId }: { versionId: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [comment, setComment] = useState("");
  const decide = useMutation(trpc.agreements.decide.mutationOptions({ onSuccess: () => router.refresh() }));
  const fieldError = (decide.error?.data as { fieldErrors?: Record<string, string[]> } | undefined)?.fieldErrors?.comment?.[0];
  return (
    <form className="space-y-2" onSubmit={(e) => e.preventDefault()}>
      <label htmlFor="review-comment" className="block text-sm font-medium">
        Comment for the author
      </label>
      <textarea
        id="review-comment"
        value={comment}
        onChange={(e) => setComment(e.target.value)}
        className="w-full rounded border border-slate-300 p-2"
        rows={3}
        aria-invalid={fieldError ? true : undefined}
        aria-describedby={fieldError ? "review-comment-error" : undefined}
      />
      {fieldError ? (
        <p id="review-comment-error" className="text-sm text-red-800">
          {fieldError}
        </p>
      ) : null}
      <div className="flex flex-wrap gap-3">
        <button
          type="button"
          disabled={decide.isPending}
          onClick={() => decide.mutate({ versionId, decision: "approved", comment })}
          className={`${button} bg-green-700 text-white hover:bg-green-800`}
        >
          Approve
        </button>
        <button
          type="button"
          disabled={decide.isPending}
          onClick={() => decide.mutate({ versionId, decision: "rejected", comment })}
          className={`${button} border border-red-700 text-red-800 hover:bg-red-50`}
        >
          Reject
        </button>
      </div>
      {decide.error && !fieldError ? (
        <p role="alert" className="text-sm text-red-800">
          {decide.error.message}
        </p>
      ) : null}
    </form>
  );
}
