// A deliberately naive reference implementation of the rules, written only for the tests: it scans
// the raw snapshot with find/filter on every call and shares no code with the engine beyond the
// reason codes and rounding helper. The property tests check the engine against it.
import type { DataShareTerms, DecisionReason } from "@proviso/domain";
import { roundTo } from "../minimise";
import { REASON } from "../reasons";
import type { PolicySnapshot, ShareDecision, ShareRequest } from "../types";

export function naiveDecide(s: PolicySnapshot, req: ShareRequest): ShareDecision {
  const out: DecisionReason[] = [];

  const link = s.links.find((l) => l.homeId === req.homeId && l.partnerId === req.partnerId);
  if (!link) out.push({ code: REASON.LINK_MISSING });
  else if (link.status === "revoked") out.push({ code: REASON.LINK_REVOKED });
  else if (link.status === "unlinked") out.push({ code: REASON.LINK_UNLINKED });

  const inForce = s.versions
    .filter((v) => v.partnerId === req.partnerId && v.effectiveFrom <= req.at && (v.endsAt === null || req.at < v.endsAt))
    .sort((a, b) => b.effectiveFrom - a.effectiveFrom || b.version - a.version)[0];

  const shareClauses = inForce ? inForce.clauses.filter((c) => c.terms.kind === "data_share" && c.terms.category === req.category) : [];
  const terms = shareClauses.map((c) => c.terms as DataShareTerms);
  const firstKey = shareClauses[0]?.clauseKey;
  const ref = inForce && firstKey ? { agreementVersionId: inForce.versionId, clauseKey: firstKey } : {};

  if (!inForce) out.push({ code: REASON.NO_AGREEMENT_IN_FORCE });
  else if (terms.length === 0) out.push({ code: REASON.CATEGORY_NOT_COVERED, agreementVersionId: inForce.versionId });
  else {
    if (!terms.some((t) => t.modes.includes(req.mode))) out.push({ code: REASON.MODE_NOT_AGREED, ...ref });
    if (!terms.some((t) => t.purposes.includes(req.purpose as never))) out.push({ code: REASON.PURPOSE_NOT_AGREED, ...ref });
    const required = terms.flatMap((t) => (t.requiresCertification ? [t.requiresCertification] : []));
    const certified = (programme: string) => {
      const c = s.certifications.find((x) => x.modelKey === req.modelKey && x.programmeKey === programme);
      return !!c && c.status === "certified" && (c.validUntil === null || req.at < c.validUntil);
    };
    if (required.some((p) => !certified(p))) out.push({ code: REASON.CERTIFICATION_REQUIRED, ...ref });
  }
  if (inForce) {
    for (const c of inForce.clauses) {
      const t = c.terms;
      if (t.kind !== "certification_requirement" || t.consequence === "none" || !t.models.includes(req.modelKey)) continue;
      const cert = s.certifications.find((x) => x.modelKey === req.modelKey && x.programmeKey === t.programme);
      const lapsed =
        !!cert &&
        (cert.status === "expired" || cert.status === "revoked" || (cert.status === "certified" && cert.validUntil !== null && req.at >= cert.validUntil));
      if (lapsed) {
        out.push({
          code: REASON.CERTIFICATION_LAPSED,
          agreementVersionId: inForce.versionId,
          clauseKey: c.clauseKey,
          detail: `${t.programme}: ${t.consequence}`,
        });
      }
    }
  }

  const consents = s.consents
    .filter((c) => c.homeId === req.homeId && c.partnerId === req.partnerId && c.category === req.category)
    .sort((a, b) => b.version - a.version);
  const consent = consents[0];
  const optInRequired = terms.length === 0 || terms.some((t) => t.optInRequired);
  let consentReason: DecisionReason | null = null;
  if (!consent) {
    if (terms.length > 0 && !optInRequired && req.mode === "on_request") consentReason = { code: REASON.CONSENT_NOT_REQUIRED };
    else out.push({ code: REASON.CONSENT_MISSING });
  } else if (consent.mode === "off") out.push({ code: REASON.CONSENT_OFF, consentVersion: consent.version });
  else if (consent.mode === "on_request" && req.mode === "proactive") {
    out.push({ code: REASON.CONSENT_ON_REQUEST_ONLY, consentVersion: consent.version });
  } else consentReason = { code: REASON.CONSENT_GRANTS, consentVersion: consent.version };

  const suspension = (s.suspensions ?? []).find(
    (x) => x.partnerId === req.partnerId && (x.category === null || x.category === req.category) && x.from <= req.at && (x.until === null || req.at < x.until),
  );
  if (suspension) out.push({ code: REASON.PARTNER_SUSPENDED, detail: suspension.reason });

  const base = {
    agreementVersionId: inForce?.versionId ?? null,
    clauseKeys: shareClauses.map((c) => c.clauseKey),
    consentVersion: consent?.version ?? null,
  };
  if (out.length > 0) return { outcome: "withhold", properties: null, reasons: out, ...base };

  const minInterval = Math.max(0, ...terms.map((t) => t.minimisation.minIntervalSeconds ?? 0));
  if (req.mode === "proactive" && minInterval > 0 && req.lastSentAt != null && req.at - req.lastSentAt < minInterval * 1000) {
    return { outcome: "withhold", properties: null, reasons: [{ code: REASON.MIN_INTERVAL, ...ref }], ...base };
  }
  const step = Math.max(0, ...terms.map((t) => t.minimisation.roundTo ?? 0));
  const drop = new Set(terms.flatMap((t) => t.minimisation.dropProperties ?? []));
  const props: Record<string, unknown> = {};
  let rounded = false;
  let dropped = false;
  for (const [k, v] of Object.entries(req.properties)) {
    if (drop.has(k)) {
      dropped = true;
      continue;
    }
    if (step > 0 && typeof v === "number" && Number.isFinite(v)) {
      const r = roundTo(v, step);
      if (r !== v) rounded = true;
      props[k] = r;
    } else props[k] = v;
  }
  if ((step > 0 || drop.size > 0) && Object.keys(props).length === 0) {
    return { outcome: "withhold", properties: null, reasons: [{ code: REASON.NOTHING_LEFT_TO_SEND, ...ref }], ...base };
  }
  const allowed = shareClauses.map((c) => ({
    code: REASON.ALLOWED_BY_CLAUSE,
    agreementVersionId: inForce!.versionId,
    clauseKey: c.clauseKey,
  }));
  const reasons: DecisionReason[] = [...allowed, consentReason!];
  if (rounded) reasons.push({ code: REASON.ROUNDED, ...ref });
  if (dropped) reasons.push({ code: REASON.PROPERTIES_DROPPED, ...ref });
  return {
    outcome: rounded || dropped ? "transform" : "send",
    properties: rounded || dropped ? props : req.properties,
    reasons,
    ...base,
  };
}
