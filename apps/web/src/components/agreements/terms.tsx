import { categoryName, PURPOSES, type ClauseTerms } from "@proviso/domain";

const purposeName = (key: string) => PURPOSES.find((p) => p.key === key)?.name ?? key;
const modeName = (m: string) => (m === "on_request" ? "on request" : m);
const list = (xs: readonly string[]) => (xs.length ? xs.join(", ") : "—");

/** A clause's machine-readable terms as label/value rows, in words. */
export function termRows(terms: ClauseTerms): [string, string][] {
  switch (terms.kind) {
    case "data_share":
      return [
        ["Category", `${categoryName(terms.category)} (${terms.category})`],
        ["Modes", list(terms.modes.map(modeName))],
        ["Purposes", list(terms.purposes.map(purposeName))],
        ["Retention", terms.retentionDays === null ? "not limited" : `${terms.retentionDays} days`],
        [
          "Minimisation",
          [
            terms.minimisation.roundTo ? `round to ${terms.minimisation.roundTo}` : null,
            terms.minimisation.minIntervalSeconds ? `at most every ${terms.minimisation.minIntervalSeconds} s` : null,
            terms.minimisation.dropProperties?.length ? `drop ${terms.minimisation.dropProperties.join(", ")}` : null,
          ]
            .filter(Boolean)
            .join("; ") || "none",
        ],
        ["Opt-in required", terms.optInRequired ? "yes" : "no"],
        ...(terms.requiresCertification ? [["Requires certification", terms.requiresCertification] as [string, string]] : []),
      ];
    case "certification_requirement":
      return [
        ["Programme", terms.programme],
        ["Models", list(terms.models)],
        ["Demands", `${list(terms.demands.categories.map(categoryName))}, ${modeName(terms.demands.mode)}`],
        ["If certification lapses", terms.consequence.replace(/_/g, " ")],
      ];
    case "retail_listing_dependency":
      return [
        ["Channel", terms.channel],
        ["SKUs", list(terms.skus)],
        ["Depends on clauses", list(terms.dependsOnClauseKeys)],
        ["Consequence", terms.consequence],
      ];
    case "rate_limit":
      return [["Rate limit", `${terms.maxPerMinute} reports per minute per ${terms.scope}`]];
    case "deletion_on_unlink":
      return [["Deletion deadline", `${terms.deadlineDays} days after unlinking`]];
    case "breach_notification":
      return [["Breach notification", `within ${terms.notifyWithinHours} hours`]];
    case "termination":
      return [["Notice", `${terms.noticeDays} days`]];
  }
}

export function TermsTable({ terms }: { terms: ClauseTerms }) {
  return (
    <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
      {termRows(terms).map(([k, v]) => (
        <div key={k} className="contents">
          <dt className="text-slate-600">{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
