// Compiles a snapshot into indexed structures so that each decision is a handful of lookups:
// homes, partners and categories become small integers; consents and links live in typed arrays.
import type { DecisionReason, DeliveryMode, Minimisation } from "@proviso/domain";
import { REASON } from "./reasons";
import type { PolicySnapshot, SnapshotCertification, SnapshotSuspension } from "./types";

export const MODE_BIT: Record<DeliveryMode, number> = { on_request: 1, proactive: 2 };

/** Consent modes as stored in the typed array (0: no consent row). */
export const CONSENT = { none: 0, off: 1, on_request: 2, proactive: 3 } as const;
/** Link states as stored in the typed array (0: no link). */
export const LINK = { none: 0, active: 1, revoked: 2, unlinked: 3 } as const;

export interface CompiledShare {
  clauseKeys: string[];
  modes: number;
  purposes: Set<string>;
  minimisation: Minimisation;
  hasMinimisation: boolean;
  minIntervalMs: number;
  optInRequired: boolean;
  requiresCertification: string[];
  /** The same programmes as indexes into `CompiledPolicy.certificationAt`. */
  requiredProgrammes: number[];
  /** Precomputed, shared reason objects (never mutated). */
  allowed: DecisionReason[];
  modeNotAgreed: DecisionReason;
  purposeNotAgreed: DecisionReason;
  certificationRequired: DecisionReason;
  minInterval: DecisionReason;
  nothingLeft: DecisionReason;
  rounded: DecisionReason;
  dropped: DecisionReason;
}

export interface CompiledCertRule {
  programme: string;
  programmeIndex: number;
  models: Set<string>;
  lapsed: DecisionReason;
  withdrawsFromDiscovery: boolean;
}

export interface CompiledVersion {
  versionId: string;
  version: number;
  effectiveFrom: number;
  endsAt: number;
  shares: Map<string, CompiledShare>;
  certRules: CompiledCertRule[];
  /** The same rules, by the model they name (indexed like `CompiledPolicy.modelIndex`). */
  certRulesAt: (CompiledCertRule[] | undefined)[];
  /** Data-share terms by category index (like `CompiledPolicy.categoryIndex`). */
  shareAt: (CompiledShare | undefined)[];
  categoryNotCovered: DecisionReason;
  /** The strictest integration-wide rate limit of the version's rate_limit clauses, if any. */
  maxPerMinute: number | null;
  /** The strictest per-home rate limit (messages a minute about one home), if any. */
  maxPerMinutePerHome: number | null;
}

export interface CompiledPartner {
  index: number;
  /** Newest effective date first. */
  versions: CompiledVersion[];
  suspensions: SnapshotSuspension[];
}

/** Consent reasons, one shared object per code and consent version (no allocation per decision). */
export interface ConsentReasons {
  grants: DecisionReason[];
  off: DecisionReason[];
  onRequestOnly: DecisionReason[];
}

export interface CompiledPolicy {
  /**
   * The last home looked up and its index. The worker decides one state change for every linked
   * partner and category in a row, so consecutive requests nearly always share the home; the memo
   * saves the string-keyed lookup. It never changes a result.
   */
  lastHome: { id: string; index: number | undefined };
  partners: Map<string, CompiledPartner>;
  consentReasons: ConsentReasons;
  homeIndex: Map<string, number>;
  categoryIndex: Map<string, number>;
  partnerCount: number;
  categoryCount: number;
  consentMode: Uint8Array;
  consentVersion: Int32Array;
  linkStatus: Uint8Array;
  /** model → programme → certification. */
  certifications: Map<string, Map<string, SnapshotCertification>>;
  modelIndex: Map<string, number>;
  programmeIndex: Map<string, number>;
  /** [model index][programme index] → certification. */
  certificationAt: (SnapshotCertification | undefined)[][];
}

const freeze = <T extends object>(o: T): T => Object.freeze(o);

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
  const categoryOf = (key: string) => {
    let c = categoryIndex.get(key);
    if (c === undefined) categoryIndex.set(key, (c = categoryIndex.size));
    return c;
  };
  for (const id of first.partners ?? []) partnerOf(id);
  for (const key of first.categories ?? []) categoryOf(key);

  for (const v of source.versions) {
    const partner = partnerOf(v.partnerId);
    const shares = new Map<string, CompiledShare>();
    const certRules: CompiledCertRule[] = [];
    let maxPerMinute: number | null = null;
    let maxPerMinutePerHome: number | null = null;
    for (const { clauseKey, terms } of v.clauses) {
      if (terms.kind === "data_share") {
        categoryOf(terms.category);
        const ref = { agreementVersionId: v.versionId, clauseKey };
        const existing = shares.get(terms.category);
        if (!existing) {
          const minimisation = { ...terms.minimisation };
          shares.set(terms.category, {
            clauseKeys: [clauseKey],
            modes: terms.modes.reduce((m, mode) => m | MODE_BIT[mode], 0),
            purposes: new Set(terms.purposes),
            minimisation,
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
          });
        } else {
          // Several clauses on one category: each grants its modes and purposes; the strictest
          // minimisation of any of them applies.
          existing.clauseKeys.push(clauseKey);
          for (const mode of terms.modes) existing.modes |= MODE_BIT[mode];
          for (const p of terms.purposes) existing.purposes.add(p);
          existing.optInRequired ||= terms.optInRequired;
          if (terms.requiresCertification) existing.requiresCertification.push(terms.requiresCertification);
          const m = existing.minimisation;
          const n = terms.minimisation;
          if (n.roundTo !== undefined) m.roundTo = Math.max(m.roundTo ?? 0, n.roundTo);
          if (n.minIntervalSeconds !== undefined) {
            m.minIntervalSeconds = Math.max(m.minIntervalSeconds ?? 0, n.minIntervalSeconds);
          }
          if (n.dropProperties?.length) m.dropProperties = [...new Set([...(m.dropProperties ?? []), ...n.dropProperties])];
        }
      } else if (terms.kind === "rate_limit" && terms.scope === "integration") {
        maxPerMinute = maxPerMinute === null ? terms.maxPerMinute : Math.min(maxPerMinute, terms.maxPerMinute);
      } else if (terms.kind === "rate_limit" && terms.scope === "home") {
        maxPerMinutePerHome = maxPerMinutePerHome === null ? terms.maxPerMinute : Math.min(maxPerMinutePerHome, terms.maxPerMinute);
      } else if (terms.kind === "certification_requirement" && terms.consequence !== "none") {
        certRules.push({
          programme: terms.programme,
          programmeIndex: -1,
          models: new Set(terms.models),
          lapsed: freeze({
            code: REASON.CERTIFICATION_LAPSED,
            agreementVersionId: v.versionId,
            clauseKey,
            detail: `${terms.programme}: ${terms.consequence}`,
          }),
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
    partner.versions.push({
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
    });
  }
  for (const p of partners.values()) p.versions.sort((a, b) => b.effectiveFrom - a.effectiveFrom || b.version - a.version);
  for (const s of source.suspensions ?? []) partnerOf(s.partnerId).suspensions.push(s);

  const certifications = new Map<string, Map<string, SnapshotCertification>>();
  for (const cert of source.certifications) {
    let byProgramme = certifications.get(cert.modelKey);
    if (!byProgramme) certifications.set(cert.modelKey, (byProgramme = new Map()));
    byProgramme.set(cert.programmeKey, cert);
  }

  // Small integers for models and programmes, so a decision needs no string-keyed lookups beyond
  // partner, home, category and model.
  const modelIndex = new Map<string, number>();
  const programmeIndex = new Map<string, number>();
  const intern = (map: Map<string, number>, key: string) => {
    let i = map.get(key);
    if (i === undefined) map.set(key, (i = map.size));
    return i;
  };
  for (const cert of source.certifications) {
    intern(modelIndex, cert.modelKey);
    intern(programmeIndex, cert.programmeKey);
  }
  for (const partner of partners.values()) {
    for (const v of partner.versions) {
      for (const rule of v.certRules) {
        rule.programmeIndex = intern(programmeIndex, rule.programme);
        for (const model of rule.models) intern(modelIndex, model);
      }
      for (const share of v.shares.values()) {
        share.requiredProgrammes = share.requiresCertification.map((p) => intern(programmeIndex, p));
      }
    }
  }
  const certificationAt: (SnapshotCertification | undefined)[][] = Array.from({ length: modelIndex.size }, () =>
    new Array<SnapshotCertification | undefined>(programmeIndex.size).fill(undefined),
  );
  for (const cert of source.certifications) {
    certificationAt[modelIndex.get(cert.modelKey)!]![programmeIndex.get(cert.programmeKey)!] = cert;
  }
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

export function compileSnapshot(snapshot: PolicySnapshot): CompiledPolicy {
  // Partners and categories known only from links and consents have indexes like any other.
  const { partners, categoryIndex, certifications, modelIndex, programmeIndex, certificationAt } = compileTerms(snapshot, {
    partners: [...snapshot.links.map((l) => l.partnerId), ...snapshot.consents.map((c) => c.partnerId)],
    categories: snapshot.consents.map((c) => c.category),
  });
  const homeIndex = new Map<string, number>();
  const homeOf = (id: string) => {
    let h = homeIndex.get(id);
    if (h === undefined) homeIndex.set(id, (h = homeIndex.size));
    return h;
  };
  for (const l of snapshot.links) homeOf(l.homeId);
  for (const c of snapshot.consents) homeOf(c.homeId);

  const partnerCount = partners.size;
  const categoryCount = Math.max(1, categoryIndex.size);
  const slots = homeIndex.size * partnerCount;
  const linkStatus = new Uint8Array(slots);
  for (const l of snapshot.links) {
    linkStatus[homeIndex.get(l.homeId)! * partnerCount + partners.get(l.partnerId)!.index] = LINK[l.status];
  }
  const consentMode = new Uint8Array(slots * categoryCount);
  const consentVersion = new Int32Array(slots * categoryCount);
  for (const c of snapshot.consents) {
    const i = (homeIndex.get(c.homeId)! * partnerCount + partners.get(c.partnerId)!.index) * categoryCount + categoryIndex.get(c.category)!;
    // The snapshot holds current consents; should it hold several, the newest version wins.
    putConsent(consentMode, consentVersion, i, c);
  }

  let maxVersion = 0;
  for (const c of snapshot.consents) if (c.version > maxVersion) maxVersion = c.version;
  const consentReasons = consentReasonsUpTo(maxVersion);

  return {
    lastHome: { id: "", index: undefined },
    partners,
    consentReasons,
    homeIndex,
    categoryIndex,
    partnerCount,
    categoryCount,
    consentMode,
    consentVersion,
    linkStatus,
    certifications,
    modelIndex,
    programmeIndex,
    certificationAt,
  };
}

/** Consent `c` in place `i` of the consent arrays, unless a newer version is there: the newest wins. */
export function putConsent(consentMode: Uint8Array, consentVersion: Int32Array, i: number, c: { mode: keyof typeof CONSENT; version: number }) {
  if (c.version >= consentVersion[i]!) {
    consentMode[i] = CONSENT[c.mode];
    consentVersion[i] = c.version;
  }
}

/**
 * Consent reasons for every version up to `maxVersion`: one frozen object per code and version,
 * `from`'s kept as they are (decisions made on it share them) and only newer ones made.
 */
export function consentReasonsUpTo(maxVersion: number, from?: ConsentReasons): ConsentReasons {
  if (from && maxVersion < from.grants.length) return from;
  const upTo = (list: readonly DecisionReason[], code: string) => [
    ...list,
    ...Array.from({ length: maxVersion + 1 - list.length }, (_, k) => freeze({ code, consentVersion: list.length + k }) as DecisionReason),
  ];
  return {
    grants: upTo(from?.grants ?? [], REASON.CONSENT_GRANTS),
    off: upTo(from?.off ?? [], REASON.CONSENT_OFF),
    onRequestOnly: upTo(from?.onRequestOnly ?? [], REASON.CONSENT_ON_REQUEST_ONLY),
  };
}
