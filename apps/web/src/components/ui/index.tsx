import type { ReactNode } from "react";

export function PageHeader({ title, lead }: { title: string; lead?: ReactNode }) {
  return (
    <div className="mb-6">
      <h1 className="text-2xl font-semibold text-slate-900">{title}</h1>
      {lead ? <p className="mt-1 max-w-3xl text-slate-700">{lead}</p> : null}
    </div>
  );
}

export function Card({ title, children, id }: { title: string; children: ReactNode; id?: string }) {
  const headingId = id ?? `card-${title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  return (
    <section aria-labelledby={headingId} className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
      <h2 id={headingId} className="mb-3 text-lg font-semibold">
        {title}
      </h2>
      {children}
    </section>
  );
}

const BADGE: Record<string, string> = {
  active: "bg-green-100 text-green-900",
  in_review: "bg-amber-100 text-amber-900",
  draft: "bg-slate-100 text-slate-800",
  open: "bg-amber-100 text-amber-900",
  countered: "bg-blue-100 text-blue-900",
  revoked: "bg-red-100 text-red-900",
  unlinked: "bg-slate-200 text-slate-800",
  sent: "bg-green-100 text-green-900",
  "sent (minimised)": "bg-teal-100 text-teal-900",
  withheld: "bg-slate-200 text-slate-800",
  proactive: "bg-green-100 text-green-900",
  on_request: "bg-blue-100 text-blue-900",
  off: "bg-slate-200 text-slate-800",
  pending: "bg-amber-100 text-amber-900",
  confirmed: "bg-green-100 text-green-900",
  overdue: "bg-red-100 text-red-900",
};

/** A status badge: its colour from the status (`value`), its words from `label` (translated) or the status itself. */
export function Badge({ value, label }: { value: string; label?: string }) {
  return (
    <span className={`inline-block rounded px-2 py-0.5 text-xs font-medium ${BADGE[value] ?? "bg-slate-100 text-slate-800"}`}>
      {label ?? value.replace(/_/g, " ")}
    </span>
  );
}

export function formatDate(d: Date | null | undefined): string {
  return d ? d.toISOString().slice(0, 10) : "—";
}
