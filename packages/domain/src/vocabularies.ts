// Every closed list of words Proviso stores or passes between packages, declared once. The database
// enums (`packages/db/src/schema/enums.ts`), the zod schemas and the TypeScript types are derived
// from these arrays; nothing restates them.

/** Which adapter in `packages/partners` speaks to a platform (one folder each). */
export const ADAPTERS = ["alexa", "google", "smartthings", "webhook"] as const;
export type AdapterId = (typeof ADAPTERS)[number];

export const DEVICE_KINDS = ["thermostat", "sensor", "lock"] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

/** `revoked`: the partner said the customer revoked access; `unlinked`: the homeowner (or the platform's deletion) cut it. */
export const LINK_STATUSES = ["active", "revoked", "unlinked"] as const;
export type LinkStatus = (typeof LINK_STATUSES)[number];

/** pending: recorded, the platform not yet told; sent: told; confirmed: the partner says it deleted; overdue: past the deadline unconfirmed. */
export const DELETION_STATUSES = ["pending", "sent", "confirmed", "overdue"] as const;
export type DeletionStatus = (typeof DELETION_STATUSES)[number];

export const VERSION_STATUSES = ["draft", "in_review", "approved", "active", "superseded", "terminated", "expired", "rejected"] as const;
export type VersionStatus = (typeof VERSION_STATUSES)[number];

/** Statuses of versions that were approved at some point: the engine decides by their dates. */
export const APPROVED_VERSION_STATUSES = ["approved", "active", "superseded", "terminated", "expired"] as const satisfies readonly VersionStatus[];

/** What a partner's staff may read: everything submitted, never a draft or a rejected version. */
export const PARTNER_VISIBLE_VERSION_STATUSES = ["in_review", ...APPROVED_VERSION_STATUSES] as const satisfies readonly VersionStatus[];

export const CLAUSE_KINDS = [
  "data_share",
  "certification_requirement",
  "retail_listing_dependency",
  "rate_limit",
  "deletion_on_unlink",
  "breach_notification",
  "termination",
] as const;
export type ClauseKind = (typeof CLAUSE_KINDS)[number];

export const SIGNOFF_DECISIONS = ["approved", "rejected"] as const;

export const CERTIFICATION_STATUSES = ["certified", "pending", "expired", "revoked"] as const;
export type CertificationStatus = (typeof CERTIFICATION_STATUSES)[number];

export const LISTING_STATUSES = ["listed", "at_risk", "delisted"] as const;
export type ListingStatus = (typeof LISTING_STATUSES)[number];

export const DEMAND_STATUSES = ["open", "countered", "accepted", "rejected"] as const;
export const LEVERAGE_KINDS = ["retail_listing", "certification", "other"] as const;

export const DECISION_OUTCOMES = ["send", "withhold", "transform"] as const;
export type DecisionOutcome = (typeof DECISION_OUTCOMES)[number];

/** `change`: decided when the state changed; `delivery`: re-decided before sending; `request`: a partner asked. */
export const DECISION_STAGES = ["change", "delivery", "request"] as const;
export type DecisionStage = (typeof DECISION_STAGES)[number];

export const OUTBOX_STATUSES = ["pending", "retrying", "delivered", "dead", "cancelled"] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];
/** Outbox rows still waiting to go. */
export const OUTBOX_WAITING = ["pending", "retrying"] as const satisfies readonly OutboxStatus[];

export const ALERT_KINDS = ["certification_expiry", "demand_deadline", "listing_at_risk", "deletion_deadline", "audit_integrity"] as const;

/** A background job's life (what-if replays, chain verifications). */
export const JOB_STATUSES = ["pending", "running", "done", "failed"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** The purpose every device message serves today: answering what the homeowner asked of the platform. */
export const FULFIL_REQUEST = "functional.service.fulfil_request";
