"use client";
// The draft editor: structured fields for each clause's terms beside its legal text. It sends what
// was typed; the server validates and answers with field-level errors, shown beside each field.
// Nothing typed is lost on an error.
import { CATEGORIES, PURPOSES, type ClauseTerms } from "@proviso/domain";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type ReactNode } from "react";
import { useTRPC } from "~/trpc/react";
import type { VersionDocumentData } from "./version-document";

type Kind = ClauseTerms["kind"];
type Terms = Record<string, unknown> & { kind: Kind };
interface ClauseState {
  uid: number;
  clauseKey: string;
  title: string;
  legalText: string;
  terms: Terms;
}

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
const splitList = (s: string) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
const numberOrUndefined = (s: string) => (s.trim() === "" ? undefined : Number(s));
const input = "mt-1 w-full rounded border border-slate-300 px-2 py-1";

export function DraftEditor({ doc, basePath }: { doc: VersionDocumentData; basePath: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [summary, setSummary] = useState(doc.summary);
  const [effectiveFrom, setEffectiveFrom] = useState(dateInput(doc.effectiveFrom));
  const [expiresAt, setExpiresAt] = useState(dateInput(doc.expiresAt));
  const [clauses, setClauses] = useState<ClauseState[]>(() =>
    doc.clauses.map((c, i) => ({ uid: i, clauseKey: c.clauseKey, title: c.title, legalText: c.legalText, terms: c.terms as Terms })),
  );
  const [nextUid, setNextUid] = useState(doc.clauses.length);
  const [saved, setSaved] = useState<string | null>(null);

  const save = useMutation(trpc.agreements.saveDraft.mutationOptions({ onSuccess: () => setSaved("Draft saved.") }));
  const submit = useMutation(trpc.agreements.submit.mutationOptions({ onSuccess: () => router.push(`${basePath}/versions/${doc.versionId}`) }));
  const errors: Record<string, string[]> = ((save.error ?? submit.error)?.data as { fieldErrors?: Record<string, string[]> } | undefined)?.fieldErrors ?? {};
  const errorCount = Object.keys(errors).length;

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
      <section className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 md:grid-cols-3" aria-label="Version">
        <Field id="summary" label="Summary" errors={errors.summary} className="md:col-span-3">
          <input id="summary" className={input} value={summary} onChange={(e) => setSummary(e.target.value)} />
        </Field>
        <Field id="effectiveFrom" label="Effective from" errors={errors.effectiveFrom}>
          <input id="effectiveFrom" type="date" className={input} value={effectiveFrom} onChange={(e) => setEffectiveFrom(e.target.value)} />
        </Field>
        <Field id="expiresAt" label="Expires (optional)" errors={errors.expiresAt}>
          <input id="expiresAt" type="date" className={input} value={expiresAt} onChange={(e) => setExpiresAt(e.target.value)} />
        </Field>
      </section>

      {clauses.map((c, index) => {
        const p = `clauses.${index}`;
        const err = (path: string) => errors[`${p}.${path}`];
        const t = c.terms;
        const id = (name: string) => `c${c.uid}-${name}`;
        return (
          <fieldset key={c.uid} className="rounded-lg border border-slate-200 bg-white p-4" aria-label={`Clause ${c.clauseKey || index + 1}`}>
            <legend className="px-1 font-semibold">Clause {c.clauseKey || "(new)"}</legend>
            <div className="grid gap-3 md:grid-cols-4">
              <Field id={id("key")} label="Clause number" errors={err("clauseKey")}>
                <input id={id("key")} className={input} value={c.clauseKey} onChange={(e) => update(c.uid, { clauseKey: e.target.value })} />
              </Field>
              <Field id={id("title")} label="Title" errors={err("title")} className="md:col-span-2">
                <input id={id("title")} className={input} value={c.title} onChange={(e) => update(c.uid, { title: e.target.value })} />
              </Field>
              <Field id={id("kind")} label="Kind" errors={err("terms.kind")}>
                <select id={id("kind")} className={input} value={t.kind} onChange={(e) => update(c.uid, { terms: defaultTerms(e.target.value as Kind) })}>
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
                <textarea id={id("text")} rows={6} className={input} value={c.legalText} onChange={(e) => update(c.uid, { legalText: e.target.value })} />
              </Field>
              <div className="space-y-3 rounded bg-slate-50 p-3">
                <TermsFields terms={t} id={id} err={err} set={(k, v) => setTerm(c.uid, k, v)} />
              </div>
            </div>
            <button type="button" className="mt-3 text-sm text-red-800 underline" onClick={() => setClauses((cs) => cs.filter((x) => x.uid !== c.uid))}>
              Remove clause {c.clauseKey}
            </button>
          </fieldset>
        );
      })}

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

      <div className="sticky bottom-0 flex flex-wrap items-center gap-3 border-t border-slate-200 bg-slate-50 py-3">
        <button type="submit" disabled={save.isPending} className="rounded bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">
          Save draft
        </button>
        <button
          type="button"
          disabled={save.isPending || submit.isPending}
          className="rounded border border-brand-600 px-4 py-2 font-medium text-brand-700 hover:bg-brand-50"
          onClick={async () => {
            setSaved(null);
            try {
              await save.mutateAsync(payload());
              submit.mutate({ versionId: doc.versionId });
            } catch {
              /* errors are shown beside the fields */
            }
          }}
        >
          Save and submit for review
        </button>
        <span role="status" className="text-sm">
          {saved}
          {save.error || submit.error ? (
            <span className="text-red-800">
              {(save.error ?? submit.error)!.message}
              {errorCount ? ` (${errorCount} field${errorCount > 1 ? "s" : ""} to fix)` : ""}
            </span>
          ) : null}
        </span>
      </div>
    </form>
  );
}

function Field({ id, label, errors, children, className }: { id: string; label: string; errors?: string[]; children: ReactNode; className?: string }) {
  return (
    <div className={className}>
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      {children}
      {errors?.length ? (
        <p id={`${id}-error`} className="mt-1 text-sm text-red-800" data-field-error>
          {errors.join(" ")}
        </p>
      ) : null}
    </div>
  );
}

function Checkboxes({
  legend,
  options,
  value,
  onChange,
  errors,
}: {
  legend: string;
  options: { value: string; label: string }[];
  value: string[];
  onChange: (v: string[]) => void;
  errors?: string[];
}) {
  return (
    <fieldset>
      <legend className="text-sm font-medium">{legend}</legend>
      <div className="mt-1 flex flex-wrap gap-x-4 gap-y-1">
        {options.map((o) => (
          <label key={o.value} className="flex items-center gap-1 text-sm">
            <input
              type="checkbox"
              checked={value.includes(o.value)}
              onChange={(e) => onChange(e.target.checked ? [...value, o.value] : value.filter((v) => v !== o.value))}
            />
            {o.label}
          </label>
        ))}
      </div>
      {errors?.length ? (
        <p className="mt-1 text-sm text-red-800" data-field-error>
          {errors.join(" ")}
        </p>
      ) : null}
    </fieldset>
  );
}

const MODES = [
  { value: "on_request", label: "On request" },
  { value: "proactive", label: "Proactive" },
];
const CATEGORY_OPTIONS = CATEGORIES.map((c) => ({ value: c.key, label: c.name }));

function TermsFields({
  terms: t,
  id,
  err,
  set,
}: {
  terms: Terms;
  id: (n: string) => string;
  err: (path: string) => string[] | undefined;
  set: (key: string, value: unknown) => void;
}) {
  const num = (key: string, label: string) => (
    <Field id={id(key)} label={label} errors={err(`terms.${key}`)}>
      <input id={id(key)} type="number" className={input} value={String(t[key] ?? "")} onChange={(e) => set(key, numberOrUndefined(e.target.value))} />
    </Field>
  );
  const text = (key: string, label: string) => (
    <Field id={id(key)} label={label} errors={err(`terms.${key}`)}>
      <input id={id(key)} className={input} value={String(t[key] ?? "")} onChange={(e) => set(key, e.target.value)} />
    </Field>
  );
  const listField = (key: string, label: string) => (
    <Field id={id(key)} label={`${label} (comma-separated)`} errors={err(`terms.${key}`) ?? err(`terms.${key}.0`)}>
      <input
        id={id(key)}
        className={input}
        defaultValue={((t[key] as string[] | undefined) ?? []).join(", ")}
        onChange={(e) => set(key, splitList(e.target.value))}
      />
    </Field>
  );
  switch (t.kind) {
    case "data_share": {
      const m = (t.minimisation ?? {}) as Record<string, unknown>;
      const setMin = (k: string, v: unknown) => set("minimisation", { ...m, [k]: v });
      return (
        <>
          <Field id={id("category")} label="Data category" errors={err("terms.category")}>
            <select id={id("category")} className={input} value={String(t.category)} onChange={(e) => set("category", e.target.value)}>
              {CATEGORY_OPTIONS.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          </Field>
          <Checkboxes legend="Modes" options={MODES} value={(t.modes as string[]) ?? []} onChange={(v) => set("modes", v)} errors={err("terms.modes")} />
          <Checkboxes
            legend="Purposes"
            options={PURPOSES.map((p) => ({ value: p.key, label: p.name }))}
            value={(t.purposes as string[]) ?? []}
            onChange={(v) => set("purposes", v)}
            errors={err("terms.purposes")}
          />
          <div className="grid grid-cols-3 gap-2">
            <Field id={id("retention")} label="Retention (days)" errors={err("terms.retentionDays")}>
              <input
                id={id("retention")}
                type="number"
                className={input}
                value={t.retentionDays === null || t.retentionDays === undefined ? "" : String(t.retentionDays)}
                onChange={(e) => set("retentionDays", e.target.value === "" ? null : Number(e.target.value))}
              />
            </Field>
            <Field id={id("round")} label="Round to" errors={err("terms.minimisation.roundTo")}>
              <input
                id={id("round")}
                type="number"
                step="any"
                className={input}
                value={String(m.roundTo ?? "")}
                onChange={(e) => setMin("roundTo", numberOrUndefined(e.target.value))}
              />
            </Field>
            <Field id={id("interval")} label="Min interval (s)" errors={err("terms.minimisation.minIntervalSeconds")}>
              <input
                id={id("interval")}
                type="number"
                className={input}
                value={String(m.minIntervalSeconds ?? "")}
                onChange={(e) => setMin("minIntervalSeconds", numberOrUndefined(e.target.value))}
              />
            </Field>
          </div>
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={Boolean(t.optInRequired)} onChange={(e) => set("optInRequired", e.target.checked)} />
            Homeowner must opt in
          </label>
        </>
      );
    }
    case "certification_requirement": {
      const demands = (t.demands ?? { categories: [], mode: "proactive" }) as { categories: string[]; mode: string };
      return (
        <>
          {text("programme", "Programme")}
          {listField("models", "Models")}
          <Checkboxes
            legend="Demanded categories"
            options={CATEGORY_OPTIONS}
            value={demands.categories}
            onChange={(v) => set("demands", { ...demands, categories: v })}
            errors={err("terms.demands.categories")}
          />
          <Field id={id("consequence")} label="If certification lapses" errors={err("terms.consequence")}>
            <select id={id("consequence")} className={input} value={String(t.consequence)} onChange={(e) => set("consequence", e.target.value)}>
              <option value="withdraw_from_discovery">Withdraw from discovery</option>
              <option value="suspend_sharing">Suspend sharing</option>
              <option value="none">Nothing</option>
            </select>
          </Field>
        </>
      );
    }
    case "retail_listing_dependency":
      return (
        <>
          {text("channel", "Retail channel")}
          {listField("skus", "SKUs")}
          {listField("dependsOnClauseKeys", "Depends on clauses")}
          {text("consequence", "Consequence")}
        </>
      );
    case "rate_limit":
      return (
        <>
          {num("maxPerMinute", "Reports per minute")}
          <Field id={id("scope")} label="Per" errors={err("terms.scope")}>
            <select id={id("scope")} className={input} value={String(t.scope)} onChange={(e) => set("scope", e.target.value)}>
              <option value="integration">integration</option>
              <option value="home">home</option>
            </select>
          </Field>
        </>
      );
    case "deletion_on_unlink":
      return num("deadlineDays", "Deletion deadline (days)");
    case "breach_notification":
      return num("notifyWithinHours", "Notify within (hours)");
    case "termination":
      return num("noticeDays", "Notice (days)");
  }
}
