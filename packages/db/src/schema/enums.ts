// The database's enums, each made from its list in packages/domain (vocabularies.ts): a word added
// there reaches the schema, and `npm run db:generate` writes the migration.
import {
  ADAPTERS,
  ALERT_KINDS,
  CERTIFICATION_STATUSES,
  CLAUSE_KINDS,
  DECISION_OUTCOMES,
  DECISION_STAGES,
  DELETION_STATUSES,
  DEMAND_STATUSES,
  DEVICE_KINDS,
  JOB_STATUSES,
  LEVERAGE_KINDS,
  LINK_STATUSES,
  LISTING_STATUSES,
  OUTBOX_STATUSES,
  REPORT_CAUSES,
  ROLES,
  SHARE_MODES,
  SIGNOFF_DECISIONS,
  VERSION_STATUSES,
} from "@proviso/domain";
import { pgEnum } from "drizzle-orm/pg-core";

/** The roles of PRODUCT.md. A `partner` user belongs to exactly one partner. */
export const userRole = pgEnum("user_role", ROLES);

/** What a homeowner allows per partner × category, and the mode a decision was made for. */
export const shareMode = pgEnum("share_mode", SHARE_MODES);

/** Which adapter in packages/partners speaks to this platform. */
export const partnerAdapter = pgEnum("partner_adapter", ADAPTERS);

export const deviceKind = pgEnum("device_kind", DEVICE_KINDS);

export const linkStatus = pgEnum("link_status", LINK_STATUSES);

export const deletionStatus = pgEnum("deletion_status", DELETION_STATUSES);

export const agreementVersionStatus = pgEnum("agreement_version_status", VERSION_STATUSES);

export const clauseKind = pgEnum("clause_kind", CLAUSE_KINDS);

export const signoffDecision = pgEnum("signoff_decision", SIGNOFF_DECISIONS);

export const certificationStatus = pgEnum("certification_status", CERTIFICATION_STATUSES);

export const listingStatus = pgEnum("listing_status", LISTING_STATUSES);

export const demandStatus = pgEnum("demand_status", DEMAND_STATUSES);

export const leverageKind = pgEnum("leverage_kind", LEVERAGE_KINDS);

/** Why a device reported: maps onto each platform's cause types. */
export const reportCause = pgEnum("report_cause", REPORT_CAUSES);

export const decisionOutcome = pgEnum("decision_outcome", DECISION_OUTCOMES);

export const decisionStage = pgEnum("decision_stage", DECISION_STAGES);

export const outboxStatus = pgEnum("outbox_status", OUTBOX_STATUSES);

export const alertKind = pgEnum("alert_kind", ALERT_KINDS);

export const replayStatus = pgEnum("replay_status", JOB_STATUSES);
