// decideShare: one piece of data, one partner, one mode → send / withhold / send transformed, with
// every reason. Nothing leaves without all of: a link that is active, a clause in force that allows
// the category in this mode for this purpose, the homeowner's consent for it, and no certification
// or suspension rule against it. The most restrictive rule wins.
import type { DecisionReason, DeliveryMode } from "@proviso/domain";
import { CONSENT, LINK, MODE_BIT, type CompiledPartner, type CompiledPolicy, type CompiledShare, type CompiledVersion } from "./compiled";
import { applyMinimisation } from "./minimise";
import { REASON } from "./reasons";
import type { ShareDecision, ShareRequest, SnapshotCertification } from "./types";

const R = (code: string): DecisionReason => Object.freeze({ code });
const LINK_MISSING = R(REASON.LINK_MISSING);
const LINK_REVOKED = R(REASON.LINK_REVOKED);
const LINK_UNLINKED = R(REASON.LINK_UNLINKED);
const NO_AGREEMENT = R(REASON.NO_AGREEMENT_IN_FORCE);
const CONSENT_MISSING = R(REASON.CONSENT_MISSING);
const CONSENT_NOT_REQUIRED = R(REASON.CONSENT_NOT_REQUIRED);
const NO_CLAUSE_KEYS: readonly string[] = Object.freeze([]);

/** The version in force for a partner at `at`: the newest whose window contains it. */
export function versionInForce(partner: CompiledPartner | undefined, at: number): CompiledVersion | null {
  if (partner === undefined) return null;
  const versions = partner.versions;
  for (let i = 0; i < versions.length; i++) {
    const v = versions[i]!;
    if (v.effectiveFrom <= at && at < v.endsAt) return v;
  }
  return null;
}

export function isCertified(cert: SnapshotCertification | undefined, at: number): boolean {
  return cert !== undefined && cert.status === "certified" && (cert.validUntil === null || at < cert.validUntil);
}

/** Expired or revoked (a pending certification has not lapsed: it never held). */
export function hasLapsed(cert: SnapshotCertification | undefined, at: number): boolean {
  if (!cert) return false;
  if (cert.status === "expired" || cert.status === "revoked") return true;
  return cert.status === "certified" && cert.validUntil !== null && at >= cert.validUntil;
}

/**
 * What steps 1–5 of a decision found: whether (and why) it is withheld before any value is looked
 * at, and what an allowed one rests on. Filled in by `gate` into this one object, reused: deciding
 * is the worker's hot path, and the caller reads it before the next call.
 */
export interface Gate {
  withheld: DecisionReason[] | null;
  version: CompiledVersion | null;
  share: CompiledShare | undefined;
  consentReason: DecisionReason | null;
  consentVersion: number | null;
}
const gateResult: Gate = { withheld: null, version: null, share: undefined, consentReason: null, consentVersion: null };

/**
 * Everything a decision rests on but the values themselves (and the time since the last send): the
 * link, the agreement in force and its clause for the category, mode and purpose, certifications,
 * consent and suspensions. `decideShare` and `modeReasons` both start here, so what a homeowner is
 * shown as allowed is what the worker decides.
 */
export function gate(
  policy: CompiledPolicy,
  partnerId: string,
  homeId: string,
  modelKey: string,
  categoryKey: string,
  mode: DeliveryMode,
  purpose: string,
  at: number,
): Gate {
  const partner = policy.partners.get(partnerId);
  const memo = policy.lastHome;
  let home: number | undefined;
  if (memo.id === homeId) home = memo.index;
  else {
    home = policy.homeIndex.get(homeId);
    memo.id = homeId;
    memo.index = home;
  }
  const slot = partner !== undefined && home !== undefined ? home * policy.partnerCount + partner.index : -1;
  const proactive = mode === "proactive";
  let withheld: DecisionReason[] | null = null;

  // 1. The link between this home and this partner.
  const link = slot >= 0 ? policy.linkStatus[slot]! : LINK.none;
  if (link !== LINK.active) {
    withheld = [link === LINK.revoked ? LINK_REVOKED : link === LINK.unlinked ? LINK_UNLINKED : LINK_MISSING];
  }

  // 2. The agreement in force and its clause for this category.
  const version = versionInForce(partner, at);
  const category = policy.categoryIndex.get(categoryKey);
  const share = version !== null && category !== undefined ? version.shareAt[category] : undefined;
  const model = policy.modelIndex.get(modelKey);
  const certs = model !== undefined ? policy.certificationAt[model] : undefined;
  if (version === null) (withheld ??= []).push(NO_AGREEMENT);
  else if (share === undefined) (withheld ??= []).push(version.categoryNotCovered);
  else {
    if ((share.modes & (proactive ? MODE_BIT.proactive : MODE_BIT.on_request)) === 0) (withheld ??= []).push(share.modeNotAgreed);
    if (!share.purposes.has(purpose)) (withheld ??= []).push(share.purposeNotAgreed);
    const required = share.requiredProgrammes;
    if (required.length > 0) {
      for (let i = 0; i < required.length; i++) {
        if (!isCertified(certs !== undefined ? certs[required[i]!] : undefined, at)) {
          (withheld ??= []).push(share.certificationRequired);
          break;
        }
      }
    }
  }
  // 3. What the agreement says happens to a model whose certification has lapsed.
  const rules = version !== null && model !== undefined ? version.certRulesAt[model] : undefined;
  if (rules !== undefined) {
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      if (hasLapsed(certs !== undefined ? certs[rule.programmeIndex] : undefined, at)) (withheld ??= []).push(rule.lapsed);
    }
  }

  // 4. The homeowner's consent (no row means off: privacy by default).
  const ci = slot >= 0 && category !== undefined ? slot * policy.categoryCount + category : -1;
  const consent = ci >= 0 ? policy.consentMode[ci]! : CONSENT.none;
  const consentVersion = consent !== CONSENT.none ? policy.consentVersion[ci]! : null;
  let consentReason: DecisionReason | null = null;
  if (consent === CONSENT.none) {
    if (share !== undefined && !share.optInRequired && !proactive) consentReason = CONSENT_NOT_REQUIRED;
    else (withheld ??= []).push(CONSENT_MISSING);
  } else if (consent === CONSENT.off) {
    (withheld ??= []).push(policy.consentReasons.off[consentVersion!]!);
  } else if (consent === CONSENT.on_request && proactive) {
    (withheld ??= []).push(policy.consentReasons.onRequestOnly[consentVersion!]!);
  } else {
    consentReason = policy.consentReasons.grants[consentVersion!]!;
  }

  // 5. Suspensions.
  if (partner !== undefined && partner.suspensions.length > 0) {
    const s = suspension(partner, categoryKey, at);
    if (s !== null) (withheld ??= []).push(s);
  }
  const g = gateResult;
  g.withheld = withheld;
  g.version = version;
  g.share = share;
  g.consentReason = consentReason;
  g.consentVersion = consentVersion;
  return g;
}

/** The partner's suspension of this category in effect at `at`, as a reason; null for none. */
function suspension(partner: CompiledPartner, categoryKey: string, at: number): DecisionReason | null {
  for (const s of partner.suspensions) {
    if ((s.category === null || s.category === categoryKey) && s.from <= at && (s.until === null || at < s.until))
      return { code: REASON.PARTNER_SUSPENDED, detail: s.reason };
  }
  return null;
}

export function decideShare(policy: CompiledPolicy, req: ShareRequest): ShareDecision {
  const { withheld, version, share, consentReason, consentVersion } = gate(
    policy,
    req.partnerId,
    req.homeId,
    req.modelKey,
    req.category,
    req.mode,
    req.purpose,
    req.at,
  );
  const proactive = req.mode === "proactive";
  const at = req.at;
  const agreementVersionId = version !== null ? version.versionId : null;
  const clauseKeys = share !== undefined ? share.clauseKeys : NO_CLAUSE_KEYS;
  if (withheld !== null) {
    return { outcome: "withhold", properties: null, reasons: withheld, agreementVersionId, clauseKeys, consentVersion };
  }

  // 6. Allowed: the clause's minimisation decides what actually goes.
  const s = share!;
  if (proactive && s.minIntervalMs > 0 && req.lastSentAt != null && at - req.lastSentAt < s.minIntervalMs) {
    return { outcome: "withhold", properties: null, reasons: [s.minInterval], agreementVersionId, clauseKeys, consentVersion };
  }
  if (s.hasMinimisation) {
    const m = applyMinimisation(req.properties, s.minimisation)!;
    if (Object.keys(m.properties).length === 0) {
      return { outcome: "withhold", properties: null, reasons: [s.nothingLeft], agreementVersionId, clauseKeys, consentVersion };
    }
    if (m.rounded || m.dropped) {
      const reasons = [...s.allowed, consentReason!];
      if (m.rounded) reasons.push(s.rounded);
      if (m.dropped) reasons.push(s.dropped);
      return { outcome: "transform", properties: m.properties, reasons, agreementVersionId, clauseKeys, consentVersion };
    }
  }
  return {
    outcome: "send",
    properties: req.properties,
    reasons: s.allowed.length === 1 ? [s.allowed[0]!, consentReason!] : [...s.allowed, consentReason!],
    agreementVersionId,
    clauseKeys,
    consentVersion,
  };
}

/** Whether a partner may list this model at all (a lapsed certification can withdraw it). */
export function isDiscoverable(policy: CompiledPolicy, partnerId: string, modelKey: string, at: number): boolean {
  const version = versionInForce(policy.partners.get(partnerId), at);
  if (!version) return false;
  const certs = policy.certifications.get(modelKey);
  return !version.certRules.some((r) => r.withdrawsFromDiscovery && r.models.has(modelKey) && hasLapsed(certs?.get(r.programme), at));
}

/**
 * Both rate limits of the version in force: messages a minute across the integration, and about
 * any one home (each null where no clause sets it; the strictest clause of a scope wins).
 */
export function rateLimits(policy: CompiledPolicy, partnerId: string, at: number): { integration: number | null; perHome: number | null } {
  const v = versionInForce(policy.partners.get(partnerId), at);
  return { integration: v?.maxPerMinute ?? null, perHome: v?.maxPerMinutePerHome ?? null };
}

/**
 * What of a home `decideShare` reads for one partner and these categories: the link's state and
 * the consent mode of each category. Two homes with the same key decide alike for the same
 * partner, model, category, mode, purpose, properties and time (the consent's version changes only
 * the reasons' wording, never the outcome), so callers deciding many homes alike may decide each
 * key once (the worker's discovery check does).
 */
export function homeInputsKey(policy: CompiledPolicy, partnerId: string, homeId: string, categories: readonly string[]): string {
  const partner = policy.partners.get(partnerId);
  const home = policy.homeIndex.get(homeId);
  // A home, partner or category the policy has no place for reads as no link and no consent, as in
  // `decideShare`: the key is the same whether or not it has one (a policy patched with
  // `withChanges` may have places a fresh compile would not).
  const slot = partner !== undefined && home !== undefined ? home * policy.partnerCount + partner.index : -1;
  let key = String(slot < 0 ? LINK.none : policy.linkStatus[slot]);
  for (let i = 0; i < categories.length; i++) {
    const category = slot < 0 ? undefined : policy.categoryIndex.get(categories[i]!);
    key += String(category === undefined ? CONSENT.none : policy.consentMode[slot * policy.categoryCount + category]);
  }
  return key;
}

/**
 * What of a partner `decideShare` and `isDiscoverable` read at `at`, beyond the home: the version
 * in force (by id: a version's clauses are fixed once it leaves draft), the suspensions in effect
 * and the state of every certification at that moment (certified, lapsed, neither). Equal keys
 * (with equal `homeInputsKey`) decide alike at the two moments for requests with no last-sent
 * time (a minimum interval reads the clock against that), so a caller can tell that nothing a
 * partner may be told has moved without deciding anything.
 */
export function partnerStateKey(policy: CompiledPolicy, partnerId: string, at: number): string {
  const partner = policy.partners.get(partnerId);
  if (partner === undefined) return "-";
  const version = versionInForce(partner, at);
  let key = version === null ? "none" : version.versionId;
  for (const s of partner.suspensions) {
    if (s.from <= at && (s.until === null || at < s.until)) key += `|s:${s.category ?? "*"}`;
  }
  key += "|";
  for (const row of policy.certificationAt) {
    for (const cert of row) key += cert === undefined ? "_" : isCertified(cert, at) ? "c" : hasLapsed(cert, at) ? "l" : "p";
    key += ".";
  }
  return key;
}
