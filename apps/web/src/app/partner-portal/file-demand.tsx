"use client";
// A partner's staff file a demand: what they ask for, why, the leverage behind it and the deadline.
// The server validates; its field errors appear beside the fields and nothing typed is lost.
import { CATEGORIES, PURPOSES } from "@proviso/domain";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useTRPC } from "~/trpc/react";

export function FileDemand({ listings, programmes }: { listings: { id: string; label: string }[]; programmes: { id: string; name: string }[] }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [form, setForm] = useState({ category: CATEGORIES[0]!.key as string, mode: "proactive", purpose: PURPOSES[0]!.key as string, leverage: "retail_listing", listingId: "", programmeId: "", deadline: "", description: "" });
  const file = useMutation(
    trpc.partnerPortal.fileDemand.mutationOptions({
      onSuccess: () => {
        setForm((f) => ({ ...f, description: "" }));
        router.refresh();
      },
    }),
  );
  const errors = ((file.error?.data as { fieldErrors?: Record<string, string[]> } | undefined)?.fieldErrors ?? {}) as Record<string, string[]>;
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const err = (k: string) =>
    errors[k]?.length ? (
      <span className="text-sm text-red-800" id={`demand-${k}-error`}>
        {errors[k]!.join("; ")}
      </span>
    ) : null;
  return (
    <form
      className="grid gap-3 text-sm"
      onSubmit={(e) => {
        e.preventDefault();
        file.mutate({
          category: form.category,
          mode: form.mode,
          purpose: form.purpose,
          leverage: form.leverage,
          listingId: form.leverage === "retail_listing" ? form.listingId || null : null,
          programmeId: form.leverage === "certification" ? form.programmeId || null : null,
          deadline: form.deadline ? new Date(`${form.deadline}T00:00:00Z`) : null,
          description: form.description,
        });
      }}
    >
      <label className="flex flex-col">
        Data category
        <select className="rounded border border-slate-300 px-2 py-1" value={form.category} onChange={set("category")}>
          {CATEGORIES.map((c) => (
            <option key={c.key} value={c.key}>
              {c.name}
            </option>
          ))}
        </select>
        {err("category")}
      </label>
      <label className="flex flex-col">
        Mode
        <select className="rounded border border-slate-300 px-2 py-1" value={form.mode} onChange={set("mode")}>
          <option value="proactive">Proactive (whenever it changes)</option>
          <option value="on_request">On request</option>
        </select>
      </label>
      <label className="flex flex-col">
        Purpose
        <select className="rounded border border-slate-300 px-2 py-1" value={form.purpose} onChange={set("purpose")}>
          {PURPOSES.map((p) => (
            <option key={p.key} value={p.key}>
              {p.name}
            </option>
          ))}
        </select>
      </label>
      <label className="flex flex-col">
        Leverage
        <select className="rounded border border-slate-300 px-2 py-1" value={form.leverage} onChange={set("leverage")}>
          <option value="retail_listing">A retail listing</option>
          <option value="certification">A certification</option>
          <option value="other">Other</option>
        </select>
      </label>
      {form.leverage === "retail_listing" ? (
        <label className="flex flex-col">
          Retail listing
          <select className="rounded border border-slate-300 px-2 py-1" value={form.listingId} onChange={set("listingId")} aria-describedby="demand-listingId-error">
            <option value="">Choose…</option>
            {listings.map((l) => (
              <option key={l.id} value={l.id}>
                {l.label}
              </option>
            ))}
          </select>
          {err("listingId")}
        </label>
      ) : null}
      {form.leverage === "certification" ? (
        <label className="flex flex-col">
          Certification programme
          <select className="rounded border border-slate-300 px-2 py-1" value={form.programmeId} onChange={set("programmeId")}>
            <option value="">Choose…</option>
            {programmes.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
          {err("programmeId")}
        </label>
      ) : null}
      <label className="flex flex-col">
        Deadline
        <input type="date" className="rounded border border-slate-300 px-2 py-1" value={form.deadline} onChange={set("deadline")} />
        {err("deadline")}
      </label>
      <label className="flex flex-col">
        What you ask for, and why
        <textarea className="rounded border border-slate-300 px-2 py-1" rows={3} value={form.description} onChange={set("description")} />
        {err("description")}
      </label>
      <div className="flex items-center gap-3">
        <button className="rounded bg-brand-700 px-3 py-1.5 font-medium text-white" disabled={file.isPending}>
          File the demand
        </button>
        <span aria-live="polite">{file.isSuccess ? "Filed." : file.error && !Object.keys(errors).length ? file.error.message : ""}</span>
      </div>
    </form>
  );
}
