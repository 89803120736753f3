// What the engine decides by, compiled: the shapes `compileSnapshot` makes and `decideShare` reads.
import type { DecisionReason, DeliveryMode, Minimisation } from "@proviso/domain";
import type { SnapshotCertification, SnapshotSuspension } from "./types";

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

export const freeze = <T extends object>(o: T): T => Object.freeze(o);
