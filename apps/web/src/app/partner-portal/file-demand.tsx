"use client";
// A partner's staff file a demand: what they ask for, why, the leverage behind it and the deadline.
// The server validates; its field errors appear beside the fields and nothing typed is lost.
import { CATEGORIES, PURPOSES } from "@proviso/domain";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type ReactNode } from "react";
import { useHydrated } from "~/components/use-hydrated";
import { useTRPC } from "~/trpc/react";

type DemandForm = {
  category: string;
  mode: string;
  purpose: string;
  leverage: string;
  listingId: string;
  programmeId: string;
  deadline: string;
  description: string;
};
type FieldErrors = Record<string, string[]>;
type SetField = (k: keyof DemandForm) => (e: { target: { value: string } }) => void;

export function FileDemand({ listings, programmes }: { listings: { id: string; label: string }[]; programmes: { id: string; name: string }[] }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [form, setForm] = useState<DemandForm>({
    category: CATEGORIES[0]!.key as string,
    mode: "proactive",
    purpose: PURPOSES[0]!.key as string,
    leverage: "retail_listing",
    listingId: "",
    programmeId: "",
    deadline: "",
    description: "",
  });
  const hydrated = useHydrated();
  const file = useMutation(
    trpc.partnerPortal.fileDemand.mutationOptions({
      onSuccess: () => {
        setForm((f) => ({ ...f, description: "" }));
        router.refresh();
      },
    }),
  );
  const errors = ((file.error?.data as { fieldErrors?: FieldErrors } | undefined)?.fieldErrors ?? {}) as FieldErrors;
  const set: SetField = (k) => (e) => setForm((f) => ({ ...f, [k]: e.target.value }));
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
      <WhatFields form={form} set={set} errors={errors} />
      <LeverageFields form={form} set={set} errors={errors} listings={listings} programmes={programmes} />
      <DemandField k="deadline" label="Deadline" errors={errors}>
        <input type="date" className="rounded border border-slate-300 px-2 py-1" id="demand-deadline" value={form.deadline} onChange={set("deadline")} />
      </DemandField>
      <DemandField k="description" label="What you ask for, and why" errors={errors}>
        <textarea
          className="rounded border border-slate-300 px-2 py-1"
          rows={3}
          id="demand-description"
          value={form.description}
          onChange={set("description")}
        />
      </DemandField>
      <div className="flex items-center gap-3">
        <button className="rounded bg-brand-700 px-3 py-1.5 font-medium text-white" disabled={!hydrated || file.isPending}>
          File the demand
        </button>
        <span aria-live="polite">{file.isSuccess ? "Filed." : file.error && !Object.keys(errors).length ? file.error.message : ""}</span>
      </div>
    </form>
  );
}

/** A labelled field whose error sits outside the label, so it never becomes part of the field's name. */
function DemandField({ k, label, errors, children }: { k: string; label: string; errors: FieldErrors; children: ReactNode }) {
  return (
    <div className="flex flex-col">
      <label htmlFor={`demand-${k}`}>{label}</label>
      {children}
      {errors[k]?.length ? (
        <span className="text-sm text-red-800" id={`demand-${k}-error`}>
          {errors[k]!.join("; ")}
        </span>
      ) : null}
    </div>
  );
}

/** What is asked for: the data category, how it flows and to what end. */
function WhatFields({ form, set, errors }: { form: DemandForm; set: SetField; errors: FieldErrors }) {
  return (
    <>
      <DemandField k="category" label="Data category" errors={errors}>
        <select className="rounded border border-slate-300 px-2 py-1" id="demand-category" value={form.category} onChange={set("category")}>
          {CATEGORIES.map((c) => (
            <option key={c.key} value={c.key}>
              {c.name}
            </option>
          ))}
        </select>
      </DemandField>
      <DemandField k="mode" label="Mode" errors={errors}>
        <select className="rounded border border-slate-300 px-2 py-1" id="demand-mode" value={form.mode} onChange={set("mode")}>
          <option value="proactive">Proactive (whenever it changes)</option>
          <option value="on_request">On request</option>
        </select>
      </DemandField>
      <DemandField k="purpose" label="Purpose" errors={errors}>
        <select className="rounded border border-slate-300 px-2 py-1" id="demand-purpose" value={form.purpose} onChange={set("purpose")}>
          {PURPOSES.map((p) => (
            <option key={p.key} value={p.key}>
              {p.name}
            </option>
          ))}
        </select>
      </DemandField>
    </>
  );
}

/** The leverage behind the demand, and the listing or programme it names. */
function LeverageFields({
  form,
  set,
  errors,
  listings,
  programmes,
}: {
  form: DemandForm;
  set: SetField;
  errors: FieldErrors;
  listings: { id: string; label: string }[];
  programmes: { id: string; name: string }[];
}) {
  return (
    <>
      <DemandField k="leverage" label="Leverage" errors={errors}>
        <select className="rounded border border-slate-300 px-2 py-1" id="demand-leverage" value={form.leverage} onChange={set("leverage")}>
          <option value="retail_listing">A retail listing</option>
          <option value="certification">A certification</option>
          <option value="other">Other</option>
        </select>
      </DemandField>
      {form.leverage === "retail_listing" ? (
        <DemandField k="listingId" label="Retail listing" errors={errors}>
          <select
            className="rounded border border-slate-300 px-2 py-1"
            id="demand-listingId"
            value={form.listingId}
            onChange={set("listingId")}
            aria-describedby="demand-listingId-error"
          >
            <option value="">Choose…</option>
            {listings.map((l) => (
              <option key={l.id} value={l.id}>
                {l.label}
              </option>
            ))}
          </select>
        </DemandField>
      ) : null}
      {form.leverage === "certification" ? (
        <DemandField k="programmeId" label="Certification programme" errors={errors}>
          <select
            className="rounded border border-slate-300 px-2 py-1"
            id="demand-programmeId"
            value={form.programmeId}
            onChange={set("programmeId")}
            aria-describedby="demand-programmeId-error"
          >
            <option value="">Choose…</option>
            {programmes.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </DemandField>
      ) : null}
    </>
  );
}
