// What the engine takes and gives. Times are epoch milliseconds, always passed in: the engine never
// reads a clock.
import type { ClauseTerms, DecisionReason, DeliveryMode, ShareMode, LinkStatus, CertificationStatus, DecisionOutcome } from "@proviso/domain";

/** An agreement version that was approved at some point (drafts, reviews and rejections never count). */
export interface SnapshotVersion {
  versionId: string;
  partnerId: string;
  version: number;
  /** In force from here (inclusive)… */
  effectiveFrom: number;
  /** …until here (exclusive): expiry, termination or supersession; null for open-ended. */
  endsAt: number | null;
  clauses: readonly { clauseKey: string; terms: ClauseTerms }[];
}

/** The homeowner's current consent for one home × partner × category. */
export interface SnapshotConsent {
  homeId: string;
  partnerId: string;
  category: string;
  mode: ShareMode;
  version: number;
}

export interface SnapshotLink {
  homeId: string;
  partnerId: string;
  status: LinkStatus;
}

export interface SnapshotCertification {
  modelKey: string;
  programmeKey: string;
  status: CertificationStatus;
  validUntil: number | null;
}

/** Sharing with a partner paused (e.g. after a breach), for one category or all. */
export interface SnapshotSuspension {
  partnerId: string;
  category: string | null;
  from: number;
  until: number | null;
  reason: string;
}

export interface PolicySnapshot {
  versions: readonly SnapshotVersion[];
  consents: readonly SnapshotConsent[];
  links: readonly SnapshotLink[];
  certifications: readonly SnapshotCertification[];
  suspensions?: readonly SnapshotSuspension[];
}

/** One piece of data that might leave: a category of one device's state, for one partner and mode. */
export interface ShareRequest {
  partnerId: string;
  homeId: string;
  modelKey: string;
  category: string;
  mode: DeliveryMode;
  purpose: string;
  /** The decision's time: when the state was observed (at change) or now (at delivery). */
  at: number;
  /** The category's properties as reported. */
  properties: Readonly<Record<string, unknown>>;
  /** When this device's category was last sent to this partner (for a minimum interval). */
  lastSentAt?: number | null;
}

export type ShareOutcome = DecisionOutcome;

export interface ShareDecision {
  outcome: ShareOutcome;
  /** What goes (after minimisation); null when withheld. */
  properties: Readonly<Record<string, unknown>> | null;
  /** Every reason, withholding ones first when withheld. */
  reasons: readonly DecisionReason[];
  agreementVersionId: string | null;
  clauseKeys: readonly string[];
  consentVersion: number | null;
}
