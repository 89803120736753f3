import { categoryName } from "@proviso/domain";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ReviewDecisionForm } from "~/components/agreements/actions";
import { TermsTable } from "~/components/agreements/terms";
import { WhatIf } from "~/components/agreements/what-if";
import { Badge, Card, formatDate, PageHeader } from "~/components/ui";
import { requireRole } from "~/server/auth";
import { serverCaller } from "~/server/caller";

export const metadata = { title: "Review" };

type Review = Awaited<ReturnType<Awaited<ReturnType<typeof serverCaller>>["agreements"]["review"]>>;
type RedlineRow = Review["redline"][number];

const CHANGE_STYLE = {
  added: "border-green-600 bg-green-50",
  removed: "border-red-600 bg-red-50",
  changed: "border-amber-500 bg-amber-50",
  unchanged: "border-slate-200 bg-white",
} as const;

const show = (v: unknown) => (v === null || v === undefined ? "—" : Array.isArray(v) ? v.join(", ") || "—" : String(v));

export default async function ReviewPage({ params }: { params: Promise<{ versionId: string }> }) {
  const { versionId } = await params;
  const user = await requireRole("legal", `/legal/review/${versionId}`);
  const caller = await serverCaller();
  const review = await caller.agreements.review({ versionId }).catch(() => notFound());
  const { document: doc, redline, impact, base, listingsAtRisk, answersDemands } = review;
  const changes = redline.filter((r) => r.change !== "unchanged");
  const ownDraft = doc.authorId === user.id;
  return (
    <>
      <PageHeader
        title={`Review: ${doc.partnerName}, v${doc.version}`}
        lead={`${doc.summary || "No summary."} Drafted by ${doc.authorName ?? "—"}; effective ${formatDate(doc.effectiveFrom)}.`}
      />
      <p className="mb-4 text-sm">
        <Badge value={doc.status} /> Compared with {base ? `v${base.version} (${base.status.replace("_", " ")})` : "nothing: a first version"}.{" "}
        <Link href={`/legal/versions/${doc.versionId}`} className="text-brand-700 underline">
          Read the whole document
        </Link>
      </p>

      <div className="space-y-6">
        <RedlineCard changes={changes} />

        <DemandsCard answersDemands={answersDemands} />
        <ListingsAtRiskCard listingsAtRisk={listingsAtRisk} />
        <Card title="What-if on recorded history" id="what-if">
          <WhatIf versionId={doc.versionId} />
        </Card>
        <ImpactCard impact={impact} />

        {doc.status === "in_review" ? (
          <Card title="Decision">
            {ownDraft ? (
              <p role="note" className="mb-2 rounded bg-amber-50 p-2 text-sm">
                You drafted this version: another legal reviewer must approve it (two-person rule).
              </p>
            ) : null}
            <ReviewDecisionForm versionId={doc.versionId} />
          </Card>
        ) : (
          <p>This version is {doc.status.replace("_", " ")}.</p>
        )}
      </div>
    </>
  );
}

function RedlineCard({ changes }: { changes: RedlineRow[] }) {
  return (
    <Card title={`Redline: ${changes.length} clause${changes.length === 1 ? "" : "s"} changed`} id="redline">
      {changes.length === 0 ? <p>No clause changed.</p> : null}
      <div className="space-y-3">
        {changes.map((r) => (
          <RedlineClause key={r.clauseKey} r={r} />
        ))}
      </div>
    </Card>
  );
}

function RedlineClause({ r }: { r: RedlineRow }) {
  return (
    <div className={`rounded border-l-4 p-3 ${CHANGE_STYLE[r.change]}`} data-redline={r.clauseKey}>
      <h3 className="font-semibold">
        {r.clauseKey} {(r.after ?? r.before)!.title} <Badge value={r.change} />
      </h3>
      {r.change === "added" && r.after ? (
        <>
          <p className="mt-1 text-sm">{r.after.legalText}</p>
          <div className="mt-2">
            <TermsTable terms={r.after.terms} />
          </div>
        </>
      ) : null}
      {r.change === "removed" && r.before ? <p className="mt-1 text-sm line-through">{r.before.legalText}</p> : null}
      {r.change === "changed" ? (
        <>
          {r.textChanged ? (
            <div className="mt-1 grid gap-2 text-sm md:grid-cols-2">
              <p className="line-through decoration-red-700">{r.before!.legalText}</p>
              <p>{r.after!.legalText}</p>
            </div>
          ) : null}
          {r.termChanges.length ? <TermChangesTable r={r} /> : null}
        </>
      ) : null}
    </div>
  );
}

function TermChangesTable({ r }: { r: RedlineRow }) {
  return (
    <table className="mt-2 w-full text-left text-sm">
      <caption className="sr-only">Changed terms of clause {r.clauseKey}</caption>
      <thead>
        <tr>
          <th scope="col" className="pr-3">
            Term
          </th>
          <th scope="col" className="pr-3">
            Before
          </th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {r.termChanges.map((c) => (
          <tr key={c.path} className="bg-amber-100/60">
            <th scope="row" className="pr-3 font-medium">
              {c.path}
            </th>
            <td className="pr-3">
              <del>{show(c.before)}</del>
            </td>
            <td>
              <ins className="font-medium no-underline">{show(c.after)}</ins>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DemandsCard({ answersDemands }: { answersDemands: Review["answersDemands"] }) {
  if (!answersDemands.length) return null;
  return (
    <Card title="Demands this version answers" id="demands">
      <ul className="list-disc pl-5 text-sm">
        {answersDemands.map((d) => (
          <li key={d.id}>
            {d.summary}, leverage: {d.leverageLabel} <Badge value={d.status} /> — {d.description}
          </li>
        ))}
      </ul>
    </Card>
  );
}

function ListingsAtRiskCard({ listingsAtRisk }: { listingsAtRisk: Review["listingsAtRisk"] }) {
  return (
    <Card title="Retail listings at risk" id="listings-at-risk">
      {listingsAtRisk.length === 0 ? (
        <p className="text-sm">No retail listing depends on a clause this version removes.</p>
      ) : (
        <ul className="list-disc pl-5 text-sm">
          {listingsAtRisk.map((l) => (
            <li key={l.id} data-listing-at-risk={l.sku}>
              {l.sku} ({l.skuName}) on {l.channel}: depends on clause{l.removedClauses.length === 1 ? "" : "s"} {l.removedClauses.join(", ")}, which this
              version removes
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function ImpactCard({ impact }: { impact: Review["impact"] }) {
  return (
    <Card title="Enforcement impact on today's data" id="impact">
      <p className="mb-2 text-sm text-slate-700">
        If this version were in force now: {impact.linkedHomes} linked homes, {impact.devices} devices. Every row is the engine's own decisions, made with and
        without this version.
      </p>
      <div className="overflow-x-auto">
        <table className="w-full text-left text-sm">
          <thead className="border-b border-slate-200">
            <tr>
              <th scope="col" className="py-1 pr-3">
                Category
              </th>
              <th scope="col" className="pr-3">
                Mode
              </th>
              <th scope="col" className="pr-3">
                Would start (homes / devices)
              </th>
              <th scope="col" className="pr-3">
                Would stop (homes / devices)
              </th>
              <th scope="col" className="pr-3">
                Flowing now → after
              </th>
              <th scope="col">Terms open / close (before consent)</th>
            </tr>
          </thead>
          <tbody>
            {impact.rows.map((r) => {
              const moved = r.devicesStarting || r.devicesStopping || r.devicesOpenedByTerms || r.devicesClosedByTerms;
              return (
                <tr
                  key={`${r.category}-${r.mode}`}
                  className={`border-b border-slate-100 ${moved ? "bg-amber-50" : ""}`}
                  data-impact={`${r.category}|${r.mode}`}
                >
                  <th scope="row" className="py-1 pr-3 font-medium">
                    {categoryName(r.category)}
                  </th>
                  <td className="pr-3">{r.mode.replace("_", " ")}</td>
                  <td className="pr-3">
                    {r.homesStarting} / {r.devicesStarting}
                  </td>
                  <td className="pr-3">
                    {r.homesStopping} / {r.devicesStopping}
                  </td>
                  <td className="pr-3">
                    {r.devicesFlowingBefore} → {r.devicesFlowingAfter}
                  </td>
                  <td>
                    +{r.devicesOpenedByTerms} / −{r.devicesClosedByTerms}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </Card>
  );
}
