// Reasons in words: plain language for a homeowner, precise terms for legal.
import { categoryName, type ClauseTerms, type DecisionReason } from "@proviso/domain";
import { REASON } from "./reasons";

export interface ExplainContext {
  partnerName: string;
  category: string;
  mode: "on_request" | "proactive";
  /** e.g. "v2" for the agreement version id in the reason. */
  versionLabel?: (versionId: string) => string;
}

const lower = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** How a mode reads to a homeowner: "Alexa learns your temperature only when you ask". */
export function describeMode(partnerName: string, category: string, mode: "off" | "on_request" | "proactive"): string {
  const what = lower(categoryName(category));
  if (mode === "off") return `${partnerName} never learns your ${what}`;
  if (mode === "on_request") return `${partnerName} learns your ${what} only when you ask`;
  return `${partnerName} learns your ${what} whenever it changes`;
}

export function explainForHomeowner(r: DecisionReason, ctx: ExplainContext): string {
  const what = lower(categoryName(ctx.category));
  const p = ctx.partnerName;
  const asked = ctx.mode === "on_request" ? "when asked" : "as it changed";
  const clause = r.clauseKey ? ` (clause ${r.clauseKey})` : "";
  switch (r.code) {
    case REASON.ALLOWED_BY_CLAUSE:
      return `Your agreement with ${p} allows sharing your ${what} ${asked}${clause}.`;
    case REASON.CONSENT_GRANTS:
      return `You chose to share your ${what} with ${p}.`;
    case REASON.CONSENT_NOT_REQUIRED:
      return `Sharing your ${what} with ${p} when you ask needs no separate opt-in under the agreement.`;
    case REASON.ROUNDED:
      return `The value was rounded before it was sent, as the agreement requires${clause}.`;
    case REASON.PROPERTIES_DROPPED:
      return `Some details were left out before it was sent, as the agreement requires${clause}.`;
    case REASON.LINK_MISSING:
      return `${p} is not linked to your home.`;
    case REASON.LINK_REVOKED:
      return `${p} told us you revoked its access.`;
    case REASON.LINK_UNLINKED:
      return `You unlinked ${p}.`;
    case REASON.NO_AGREEMENT_IN_FORCE:
      return `There is no agreement with ${p} in force, so nothing is shared.`;
    case REASON.CATEGORY_NOT_COVERED:
      return `The agreement with ${p} does not cover your ${what}.`;
    case REASON.MODE_NOT_AGREED:
      return ctx.mode === "proactive"
        ? `The agreement lets ${p} learn your ${what} only when you ask, not whenever it changes${clause}.`
        : `The agreement does not let ${p} ask for your ${what}${clause}.`;
    case REASON.PURPOSE_NOT_AGREED:
      return `${p} asked for a purpose the agreement does not allow${clause}.`;
    case REASON.CERTIFICATION_REQUIRED:
      return `Your device's certification with ${p} is not current, and the agreement requires it${clause}.`;
    case REASON.CERTIFICATION_LAPSED:
      return `Your device's certification with ${p} has lapsed, so sharing is paused${clause}.`;
    case REASON.CONSENT_MISSING:
      return `You have not chosen to share your ${what} with ${p}.`;
    case REASON.CONSENT_OFF:
      return `You turned off sharing your ${what} with ${p}.`;
    case REASON.CONSENT_ON_REQUEST_ONLY:
      return `You chose to share your ${what} with ${p} only when you ask.`;
    case REASON.PARTNER_SUSPENDED:
      return `Sharing with ${p} is paused.`;
    case REASON.MIN_INTERVAL:
      return `It was sent recently; the agreement limits how often${clause}.`;
    case REASON.NOTHING_LEFT_TO_SEND:
      return `Nothing was left to send once the agreement's limits were applied${clause}.`;
    default:
      return r.code;
  }
}

export function explainForLegal(r: DecisionReason, ctx: ExplainContext): string {
  const v = r.agreementVersionId ? (ctx.versionLabel?.(r.agreementVersionId) ?? r.agreementVersionId) : null;
  const where = [v ? `agreement ${v}` : null, r.clauseKey ? `clause ${r.clauseKey}` : null].filter(Boolean).join(", ");
  const consent = r.consentVersion !== undefined ? `consent v${r.consentVersion}` : null;
  const refs = [where || null, consent, r.detail ?? null].filter(Boolean).join("; ");
  return `${r.code} — ${ctx.partnerName} · ${ctx.category} · ${ctx.mode}${refs ? ` (${refs})` : ""}`;
}

const purposeWords: Record<string, string> = {
  "functional.service.fulfil_request": "to answer what you ask",
  "functional.service.automation": "to run your routines",
  "analytics.product_improvement": "to improve its products",
};
const list = (xs: string[]) => (xs.length <= 1 ? (xs[0] ?? "") : `${xs.slice(0, -1).join(", ")} and ${xs.at(-1)}`);

/**
 * One sentence per clause of an agreement version, for a homeowner: what the partner may learn,
 * when, why, for how long, and what protects them. Clauses that only bind the maker's business
 * (retail listings) are left out.
 */
export function plainAgreementSummary(
  partnerName: string,
  clauses: readonly { clauseKey: string; terms: ClauseTerms }[],
): { clauseKey: string; text: string }[] {
  const out: { clauseKey: string; text: string }[] = [];
  for (const { clauseKey, terms: t } of clauses) {
    let text: string | null = null;
    switch (t.kind) {
      case "data_share": {
        const what = lower(categoryName(t.category));
        const when =
          t.modes.length === 2
            ? "when you ask, or whenever it changes if you choose"
            : t.modes[0] === "proactive"
              ? "whenever it changes"
              : "only when you ask";
        const why = list(t.purposes.map((p) => purposeWords[p] ?? p));
        const keep =
          t.retentionDays === null
            ? "The agreement does not limit how long it may keep it."
            : t.retentionDays === 0
              ? "It may not keep it."
              : `It may keep it for ${t.retentionDays} days.`;
        const min: string[] = [];
        if (t.minimisation.roundTo) min.push(`values are rounded to the nearest ${t.minimisation.roundTo}`);
        if (t.minimisation.minIntervalSeconds) min.push(`at most one update every ${t.minimisation.minIntervalSeconds} seconds`);
        if (t.minimisation.dropProperties?.length) min.push(`${list(t.minimisation.dropProperties)} never leave`);
        text = `${partnerName} may learn your ${what} ${when}, ${why}${t.optInRequired ? ", and only if you turn it on" : ""}. ${keep}${min.length ? ` Limits: ${list(min)}.` : ""}${t.requiresCertification ? ` Only while your device is certified (${t.requiresCertification}).` : ""}`;
        break;
      }
      case "certification_requirement":
        text =
          t.consequence === "none"
            ? `${partnerName} requires certification (${t.programme}) for some models; a lapse changes nothing for you.`
            : `If a device model loses its ${t.programme} certification, ${t.consequence === "suspend_sharing" ? `sharing with ${partnerName} stops for it` : `${partnerName} no longer sees it`}.`;
        break;
      case "rate_limit":
        text = `${partnerName} receives at most ${t.maxPerMinute} updates a minute ${t.scope === "home" ? "about your home" : "across all homes"}.`;
        break;
      case "deletion_on_unlink":
        text = `If you unlink ${partnerName}, it must delete what it received about your home within ${t.deadlineDays} days.`;
        break;
      case "breach_notification":
        text = `If ${partnerName} has a data breach, it must tell us within ${t.notifyWithinHours} hours.`;
        break;
      case "termination":
        text = `Either side may end the agreement with ${t.noticeDays} days' notice.`;
        break;
      case "retail_listing_dependency":
        text = null;
        break;
    }
    if (text) out.push({ clauseKey, text });
  }
  return out;
}
