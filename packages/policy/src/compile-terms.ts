// The terms alone, compiled: every approved version's clauses (shares per category, certification
// rules, rate limits) and the certifications, with partners, categories, models and programmes as
// small integers. Done once per snapshot (or when the terms change), never per decision.
import type { ClauseTerms } from "@proviso/domain";
import { freeze, MODE_BIT, type CompiledCertRule, type CompiledPartner, type CompiledShare, type CompiledVersion } from "./compiled";
import { REASON } from "./reasons";
import type { PolicySnapshot, SnapshotCertification, SnapshotVersion } from "./types";

/** What the agreements and certifications compile to, apart from any home. */
export interface CompiledTerms {
  partners: Map<string, CompiledPartner>;
  categoryIndex: Map<string, number>;
  certifications: Map<string, Map<string, SnapshotCertification>>;
  modelIndex: Map<string, number>;
  programmeIndex: Map<string, number>;
  certificationAt: (SnapshotCertification | undefined)[][];
}

export type SnapshotTerms = Pick<PolicySnapshot, "versions" | "certifications" | "suspensions">;

/** `key`'s place in `map`, given it the next one if it has none. */
const intern = (map: Map<string, number>, key: string) => {
  let i = map.get(key);
  if (i === undefined) map.set(key, (i = map.size));
  return i;
};

/**
 * The terms alone. Partners and categories named in `first` take the first indexes, in that order
 * (a recompile keeps the indexes a compiled policy's arrays are laid out by); the rest follow.
 */
export function compileTerms(source: SnapshotTerms, first: { partners?: Iterable<string>; categories?: Iterable<string> } = {}): CompiledTerms {
  const partners = new Map<string, CompiledPartner>();
  const partnerOf = (id: string) => {
    let p = partners.get(id);
    if (!p) partners.set(id, (p = { index: partners.size, versions: [], suspensions: [] }));
    return p;
  };
  const categoryIndex = new Map<string, number>();
  for (const id of first.partners ?? []) partnerOf(id);
  for (const key of first.categories ?? []) intern(categoryIndex, key);
  for (const v of source.versions) partnerOf(v.partnerId).versions.push(compileVersion(v, (key) => intern(categoryIndex, key)));
  for (const p of partners.values()) p.versions.sort((a, b) => b.effectiveFrom - a.effectiveFrom || b.version - a.version);
  for (const s of source.suspensions ?? []) partnerOf(s.partnerId).suspensions.push(s);

  const certifications = new Map<string, Map<string, SnapshotCertification>>();
  for (const cert of source.certifications) {
    let byProgramme = certifications.get(cert.modelKey);
    if (!byProgramme) certifications.set(cert.modelKey, (byProgramme = new Map()));
    byProgramme.set(cert.programmeKey, cert);
  }
  const { modelIndex, programmeIndex, certificationAt } = indexCertifications(source.certifications, partners);
  for (const partner of partners.values()) {
    for (const v of partner.versions) {
      v.shareAt = new Array<CompiledShare | undefined>(categoryIndex.size).fill(undefined);
      for (const [category, share] of v.shares) v.shareAt[categoryIndex.get(category)!] = share;
      v.certRulesAt = new Array<CompiledCertRule[] | undefined>(modelIndex.size).fill(undefined);
      for (const rule of v.certRules) {
        for (const model of rule.models) (v.certRulesAt[modelIndex.get(model)!] ??= []).push(rule);
      }
    }
  }
  return { partners, categoryIndex, certifications, modelIndex, programmeIndex, certificationAt };
}

/** One approved version: its shares per category, certification rules and rate limits. */
function compileVersion(v: SnapshotVersion, categoryOf: (key: string) => number): CompiledVersion {
  const shares = new Map<string, CompiledShare>();
  const certRules: CompiledCertRule[] = [];
  let maxPerMinute: number | null = null;
  let maxPerMinutePerHome: number | null = null;
  for (const { clauseKey, terms } of v.clauses) {
    if (terms.kind === "data_share") {
      categoryOf(terms.category);
      const existing = shares.get(terms.category);
      if (existing) mergeShare(existing, clauseKey, terms);
      else shares.set(terms.category, newShare(v.versionId, clauseKey, terms));
    } else if (terms.kind === "rate_limit" && terms.scope === "integration") {
      maxPerMinute = maxPerMinute === null ? terms.maxPerMinute : Math.min(maxPerMinute, terms.maxPerMinute);
    } else if (terms.kind === "rate_limit" && terms.scope === "home") {
      maxPerMinutePerHome = maxPerMinutePerHome === null ? terms.maxPerMinute : Math.min(maxPerMinutePerHome, terms.maxPerMinute);
    } else if (terms.kind === "certification_requirement" && terms.consequence !== "none") {
      certRules.push({
        programme: terms.programme,
        programmeIndex: -1,
        models: new Set(terms.models),
        lapsed: freeze({ code: REASON.CERTIFICATION_LAPSED, agreementVersionId: v.versionId, clauseKey, detail: `${terms.programme}: ${terms.consequence}` }),
        withdrawsFromDiscovery: terms.consequence === "withdraw_from_discovery",
      });
    }
  }
  for (const share of shares.values()) {
    const m = share.minimisation;
    share.hasMinimisation = Boolean(m.roundTo) || Boolean(m.dropProperties?.length);
    share.minIntervalMs = (m.minIntervalSeconds ?? 0) * 1000;
    share.allowed = share.clauseKeys.map((clauseKey) => freeze({ code: REASON.ALLOWED_BY_CLAUSE, agreementVersionId: v.versionId, clauseKey }));
  }
  return {
    versionId: v.versionId,
    version: v.version,
    effectiveFrom: v.effectiveFrom,
    endsAt: v.endsAt ?? Number.POSITIVE_INFINITY,
    shares,
    certRules,
    certRulesAt: [],
    shareAt: [],
    categoryNotCovered: freeze({ code: REASON.CATEGORY_NOT_COVERED, agreementVersionId: v.versionId }),
    maxPerMinute,
    maxPerMinutePerHome,
  };
}

type DataShare = Extract<ClauseTerms, { kind: "data_share" }>;

/** A category's share from its first clause, with its reasons made once (never per decision). */
function newShare(versionId: string, clauseKey: string, terms: DataShare): CompiledShare {
  const ref = { agreementVersionId: versionId, clauseKey };
  return {
    clauseKeys: [clauseKey],
    modes: terms.modes.reduce((m, mode) => m | MODE_BIT[mode], 0),
    purposes: new Set(terms.purposes),
    minimisation: { ...terms.minimisation },
    hasMinimisation: false,
    minIntervalMs: 0,
    optInRequired: terms.optInRequired,
    requiresCertification: terms.requiresCertification ? [terms.requiresCertification] : [],
    requiredProgrammes: [],
    allowed: [],
    modeNotAgreed: freeze({ code: REASON.MODE_NOT_AGREED, ...ref }),
    purposeNotAgreed: freeze({ code: REASON.PURPOSE_NOT_AGREED, ...ref }),
    certificationRequired: freeze({ code: REASON.CERTIFICATION_REQUIRED, ...ref }),
    minInterval: freeze({ code: REASON.MIN_INTERVAL, ...ref }),
    nothingLeft: freeze({ code: REASON.NOTHING_LEFT_TO_SEND, ...ref }),
    rounded: freeze({ code: REASON.ROUNDED, ...ref }),
    dropped: freeze({ code: REASON.PROPERTIES_DROPPED, ...ref }),
  };
}

/** Several clauses on one category: each grants its modes and purposes; the strictest minimisation of any of them applies. */
function mergeShare(existing: CompiledShare, clauseKey: string, terms: DataShare) {
  existing.clauseKeys.push(clauseKey);
  for (const mode of terms.modes) existing.modes |= MODE_BIT[mode];
  for (const p of terms.purposes) existing.purposes.add(p);
  existing.optInRequired ||= terms.optInRequired;
  if (terms.requiresCertification) existing.requiresCertification.push(terms.requiresCertification);
  const m = existing.minimisation;
  const n = terms.minimisation;
  if (n.roundTo !== undefined) m.roundTo = Math.max(m.roundTo ?? 0, n.roundTo);
  if (n.minIntervalSeconds !== undefined) m.minIntervalSeconds = Math.max(m.minIntervalSeconds ?? 0, n.minIntervalSeconds);
  if (n.dropProperties?.length) m.dropProperties = [...new Set([...(m.dropProperties ?? []), ...n.dropProperties])];
}

/**
 * Small integers for models and programmes, so a decision needs no string-keyed lookups beyond
 * partner, home, category and model; and every certification at [model][programme].
 */
function indexCertifications(certs: readonly SnapshotCertification[], partners: Map<string, CompiledPartner>) {
  const modelIndex = new Map<string, number>();
  const programmeIndex = new Map<string, number>();
  for (const cert of certs) {
    intern(modelIndex, cert.modelKey);
    intern(programmeIndex, cert.programmeKey);
  }
  for (const partner of partners.values()) {
    for (const v of partner.versions) {
      for (const rule of v.certRules) {
        rule.programmeIndex = intern(programmeIndex, rule.programme);
        for (const model of rule.models) intern(modelIndex, model);
      }
      for (const share of v.shares.values()) share.requiredProgrammes = share.requiresCertification.map((p) => intern(programmeIndex, p));
    }
  }
  const certificationAt: (SnapshotCertification | undefined)[][] = Array.from({ length: modelIndex.size }, () =>
    new Array<SnapshotCertification | undefined>(programmeIndex.size).fill(undefined),
  );
  for (const cert of certs) certificationAt[modelIndex.get(cert.modelKey)!]![programmeIndex.get(cert.programmeKey)!] = cert;
  return { modelIndex, programmeIndex, certificationAt };
}
