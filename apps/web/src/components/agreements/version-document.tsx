import type { AppRouter } from "@proviso/api";
import type { inferRouterOutputs } from "@trpc/server";
import { Badge, Card, formatDate } from "~/components/ui";
import { TermsTable } from "./terms";

export type VersionDocumentData = inferRouterOutputs<AppRouter>["agreements"]["version"];

/** A version as a clean document: clauses with their terms, sign-offs and history. */
export function VersionDocument({ doc }: { doc: VersionDocumentData }) {
  return (
    <article className="space-y-4">
      <Card title="Version">
        <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
          <dt className="text-slate-600">Status</dt>
          <dd>
            <Badge value={doc.status} />
          </dd>
          <dt className="text-slate-600">Summary</dt>
          <dd>{doc.summary || "—"}</dd>
          <dt className="text-slate-600">Effective</dt>
          <dd>{formatDate(doc.effectiveFrom)}</dd>
          <dt className="text-slate-600">Expires</dt>
          <dd>{formatDate(doc.expiresAt)}</dd>
          <dt className="text-slate-600">Drafted by</dt>
          <dd>{doc.authorName ?? "—"}</dd>
        </dl>
      </Card>
      <section aria-labelledby="clauses-title" className="space-y-3">
        <h2 id="clauses-title" className="text-lg font-semibold">
          Clauses
        </h2>
        {doc.clauses.map((c) => (
          <div key={c.clauseKey} className="rounded-lg border border-slate-200 bg-white p-4" data-clause={c.clauseKey}>
            <h3 className="font-semibold">
              {c.clauseKey} {c.title}
            </h3>
            <p className="mt-1 whitespace-pre-wrap text-slate-800">{c.legalText}</p>
            <div className="mt-3 rounded bg-slate-50 p-3">
              <TermsTable terms={c.terms} />
            </div>
          </div>
        ))}
      </section>
      <div className="grid gap-4 md:grid-cols-2">
        <Card title="Sign-offs">
          {doc.signoffs.length === 0 ? (
            <p className="text-slate-700">None yet.</p>
          ) : (
            <ul className="space-y-2 text-sm">
              {doc.signoffs.map((s, i) => (
                <li key={i}>
                  <Badge value={s.decision} /> {s.name}, {formatDate(s.at)}
                  {s.comment ? <span className="block text-slate-700">“{s.comment}”</span> : null}
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card title="History">
          <ol className="space-y-1 text-sm">
            {doc.events.map((e, i) => (
              <li key={i}>
                {e.at.toISOString().slice(0, 16).replace("T", " ")} · {e.from ? `${e.from.replace("_", " ")} → ` : ""}
                {e.to.replace("_", " ")} · {e.actorName ?? "scheduler"}
                {e.note ? <span className="text-slate-600"> — {e.note}</span> : null}
              </li>
            ))}
          </ol>
        </Card>
      </div>
    </article>
  );
}
