"use client";
// The draft editor: structured fields for each clause's terms beside its legal text. It sends what
// was typed; the server validates and answers with field-level errors, shown beside each field.
// Nothing typed is lost on an error.
import { CATEGORIES, PURPOSES } from "@proviso/domain";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useTRPC } from "~/trpc/react";
import { Field, input, TermsFields, type Kind, type Terms } from "./terms-fields";
import type { VersionDocumentData } from "./version-document";

interface ClauseState {
  uid: number;
  clauseKey: string;
  title: string;
  legalText: string;
  terms: Terms;
}
interface VersionState {
  summary: string;
  effectiveFrom: string;
  expiresAt: string;
}
type FieldErrors = Record<string, string[]>;

const KINDS: { kind: Kind; label: string }[] = [
  { kind: "data_share", label: "Data share" },
  { kind: "certification_requirement", label: "Certification requirement" },
  { kind: "retail_listing_dependency", label: "Retail listing dependency" },
  { kind: "rate_limit", label: "Rate limit" },
  { kind: "deletion_on_unlink", label: "Deletion on unlink" },
  { kind: "breach_notification", label: "Breach notification" },
  { kind: "termination", label: "Termination" },
];

function defaultTerms(kind: Kind): Terms {
  switch (kind) {
    case "data_share":
      return {
        kind,
        category: CATEGORIES[0].key,
        modes: ["on_request"],
        purposes: [PURPOSES[0].key],
        retentionDays: 30,
        minimisation: {},
        optInRequired: true,
      };
    case "certification_requirement":
      return { kind, programme: "", models: [], demands: { categories: [], mode: "proactive" }, consequence: "withdraw_from_discovery" };
    case "retail_listing_dependency":
      return { kind, channel: "", skus: [], dependsOnClauseKeys: [], consequence: "" };
    case "rate_limit":
      return { kind, maxPerMinute: 600, scope: "integration" };
    case "deletion_on_unlink":
      return { kind, deadlineDays: 30 };
    case "breach_notification":
      return { kind, notifyWithinHours: 72 };
    case "termination":
      return { kind, noticeDays: 90 };
  }
}

const dateInput = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : "");

export function DraftEditor({ doc, basePath }: { doc: VersionDocumentData; basePath: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [version, setVersion] = useState<VersionState>({
    summary: doc.summary,
    effectiveFrom: dateInput(doc.effectiveFrom),
    expiresAt: dateInput(doc.expiresAt),
  });
  const [clauses, setClauses] = useState<ClauseState[]>(() =>
    doc.clauses.map((c, i) => ({ uid: i, clauseKey: c.clauseKey, title: c.title, legalText: c.legalText, terms: c.terms as Terms })),
  );
  const [nextUid, setNextUid] = useState(doc.clauses.length);
  const [saved, setSaved] = useState<string | null>(null);

  const save = useMutation(trpc.agreements.saveDraft.mutationOptions({ onSuccess: () => setSaved("Draft saved.") }));
  const submit = useMutation(trpc.agreements.submit.mutationOptions({ onSuccess: () => router.push(`${basePath}/versions/${doc.versionId}`) }));
  const errors: FieldErrors = ((save.error ?? submit.error)?.data as { fieldErrors?: FieldErrors } | undefined)?.fieldErrors ?? {};

  const { summary, effectiveFrom, expiresAt } = version;
  const payload = () => ({
    versionId: doc.versionId,
    summary,
    effectiveFrom: (effectiveFrom ? new Date(`${effectiveFrom}T00:00:00Z`) : undefined) as Date,
    expiresAt: expiresAt ? new Date(`${expiresAt}T00:00:00Z`) : null,
    clauses: clauses.map(({ clauseKey, title, legalText, terms }) => ({ clauseKey, title, legalText, terms })) as never,
  });
  const update = (uid: number, patch: Partial<ClauseState>) => setClauses((cs) => cs.map((c) => (c.uid === uid ? { ...c, ...patch } : c)));
  const setTerm = (uid: number, key: string, value: unknown) =>
    setClauses((cs) => cs.map((c) => (c.uid === uid ? { ...c, terms: { ...c.terms, [key]: value } } : c)));

  return (
    <form
      className="space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        setSaved(null);
        save.mutate(payload());
      }}
    >
      <VersionFields version={version} errors={errors} onChange={(patch) => setVersion((v) => ({ ...v, ...patch }))} />

      {clauses.map((c, index) => (
        <ClauseFields
          key={c.uid}
          c={c}
          index={index}
          errors={errors}
          update={(patch) => update(c.uid, patch)}
          setTerm={(k, v) => setTerm(c.uid, k, v)}
          remove={() => setClauses((cs) => cs.filter((x) => x.uid !== c.uid))}
        />
      ))}

      <button
        type="button"
        className="rounded border border-slate-300 px-4 py-2 hover:bg-slate-100"
        onClick={() => {
          setClauses((cs) => [...cs, { uid: nextUid, clauseKey: "", title: "", legalText: "", terms: defaultTerms("data_share") }]);
          setNextUid((n) => n + 1);
        }}
      >
        Add a clause
      </button>

      <DraftActions
        saving={save.isPending}
        submitting={submit.isPending}
        saved={saved}
        error={save.error ?? submit.error}
        errorCount={Object.keys(errors).length}
        onSubmitForReview={async () => {
          setSaved(null);
          try {
            await save.mutateAsync(payload());
            submit.mutate({ versionId: doc.versionId });
          } catch {
            /* errors are shown beside the fields */
          }
        }}
      />
    </form>
  );
}

function VersionFields({ version, errors, onChange }: { version: VersionState; errors: FieldErrors; onChange: (patch: Partial<VersionState>) => void }) {
  return (
    <section className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 md:grid-cols-3" aria-label="Version">
      <Field id="summary" label="Summary" errors={errors.summary} className="md:col-span-3">
        <input id="summary" className={input} value={version.summary} onChange={(e) => onChange({ summary: e.target.value })} />
      </Field>
      <Field id="effectiveFrom" label="Effective from" errors={errors.effectiveFrom}>
        <input id="effectiveFrom" type="date" className={input} value={version.effectiveFrom} onChange={(e) => onChange({ effectiveFrom: e.target.value })} />
      </Field>
      <Field id="expiresAt" label="Expires (optional)" errors={errors.expiresAt}>
        <input id="expiresAt" type="date" className={input} value={version.expiresAt} onChange={(e) => onChange({ expiresAt: e.target.value })} />
      </Field>
    </section>
  );
}

function ClauseFields({
  c,
  index,
  errors,
  update,
  setTerm,
  remove,
}: {
  c: ClauseState;
  index: number;
  errors: FieldErrors;
  update: (patch: Partial<ClauseState>) => void;
  setTerm: (key: string, value: unknown) => void;
  remove: () => void;
}) {
  const p = `clauses.${index}`;
  const err = (path: string) => errors[`${p}.${path}`];
  const t = c.terms;
  const id = (name: string) => `c${c.uid}-${name}`;
  return (
    <fieldset className="rounded-lg border border-slate-200 bg-white p-4" aria-label={`Clause ${c.clauseKey || index + 1}`}>
      <legend className="px-1 font-semibold">Clause {c.clauseKey || "(new)"}</legend>
      <div className="grid gap-3 md:grid-cols-4">
        <Field id={id("key")} label="Clause number" errors={err("clauseKey")}>
          <input id={id("key")} className={input} value={c.clauseKey} onChange={(e) => update({ clauseKey: e.target.value })} />
        </Field>
        <Field id={id("title")} label="Title" errors={err("title")} className="md:col-span-2">
          <input id={id("title")} className={input} value={c.title} onChange={(e) => update({ title: e.target.value })} />
        </Field>
        <Field id={id("kind")} label="Kind" errors={err("terms.kind")}>
          <select id={id("kind")} className={input} value={t.kind} onChange={(e) => update({ terms: defaultTerms(e.target.value as Kind) })}>
            {KINDS.map((k) => (
              <option key={k.kind} value={k.kind}>
                {k.label}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <div className="mt-3 grid gap-4 md:grid-cols-2">
        <Field id={id("text")} label="Legal text" errors={err("legalText")}>
          <textarea id={id("text")} rows={6} className={input} value={c.legalText} onChange={(e) => update({ legalText: e.target.value })} />
        </Field>
        <div className="space-y-3 rounded bg-slate-50 p-3">
          <TermsFields terms={t} id={id} err={err} set={setTerm} />
        </div>
      </div>
      <button type="button" className="mt-3 text-sm text-red-800 underline" onClick={remove}>
        Remove clause {c.clauseKey}
      </button>
    </fieldset>
  );
}

function DraftActions({
  saving,
  submitting,
  saved,
  error,
  errorCount,
  onSubmitForReview,
}: {
  saving: boolean;
  submitting: boolean;
  saved: string | null;
  error: { message: string } | null;
  errorCount: number;
  onSubmitForReview: () => Promise<void>;
}) {
  return (
    <div className="sticky bottom-0 flex flex-wrap items-center gap-3 border-t border-slate-200 bg-slate-50 py-3">
      <button type="submit" disabled={saving} className="rounded bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">
        Save draft
      </button>
      <button
        type="button"
        disabled={saving || submitting}
        className="rounded border border-brand-600 px-4 py-2 font-medium text-brand-700 hover:bg-brand-50"
        onClick={onSubmitForReview}
      >
        Save and submit for review
      </button>
      <span role="status" className="text-sm">
        {saved}
        {error ? (
          <span className="text-red-800">
            {error.message}
            {errorCount ? ` (${errorCount} field${errorCount > 1 ? "s" : ""} to fix)` : ""}
          </span>
        ) : null}
      </span>
    </div>
  );
}
