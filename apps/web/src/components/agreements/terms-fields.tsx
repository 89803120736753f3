"use client";
// The draft editor's structured fields for one clause's terms, one set per kind of clause, and the
// labelled field and checkbox group they (and the editor) are built from.
import { CATEGORIES, PURPOSES, type ClauseTerms } from "@proviso/domain";
import type { ReactNode } from "react";

export type Kind = ClauseTerms["kind"];
export type Terms = Record<string, unknown> & { kind: Kind };

const splitList = (s: string) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
const numberOrUndefined = (s: string) => (s.trim() === "" ? undefined : Number(s));
export const input = "mt-1 w-full rounded border border-slate-300 px-2 py-1";

export function Field({ id, label, errors, children, className }: { id: string; label: string; errors?: string[]; children: ReactNode; className?: string }) {
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

interface TermsProps {
  terms: Terms;
  id: (n: string) => string;
  err: (path: string) => string[] | undefined;
  set: (key: string, value: unknown) => void;
}

/** Makers for the plain fields: a number, a line of text, or a comma-separated list. */
function plainFields({ terms: t, id, err, set }: TermsProps) {
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
  return { num, text, listField };
}

export function TermsFields(props: TermsProps) {
  const { terms: t, id, err, set } = props;
  const { num, text, listField } = plainFields(props);
  switch (t.kind) {
    case "data_share":
      return <DataShareFields {...props} />;
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

function DataShareFields({ terms: t, id, err, set }: TermsProps) {
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
