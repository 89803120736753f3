import { pgEnum } from "drizzle-orm/pg-core";

/** The four roles of PRODUCT.md. A `partner` user belongs to exactly one partner. */
export const userRole = pgEnum("user_role", ["homeowner", "partner_manager", "legal", "partner"]);

/** What a homeowner allows per partner × category, and the mode a decision was made for. */
export const shareMode = pgEnum("share_mode", ["off", "on_request", "proactive"]);

/** Which adapter in packages/partners speaks to this platform. */
export const partnerAdapter = pgEnum("partner_adapter", ["alexa", "google", "webhook"]);

export const deviceKind = pgEnum("device_kind", ["thermostat", "sensor", "lock"]);

/** `revoked`: the partner told us the customer revoked access (HTTP 403); `unlinked`: the homeowner cut it. */
export const linkStatus = pgEnum("link_status", ["active", "revoked", "unlinked"]);

export const deletionStatus = pgEnum("deletion_status", ["pending", "confirmed", "overdue"]);

export const agreementVersionStatus = pgEnum("agreement_version_status", [
  "draft",
  "in_review",
  "approved",
  "active",
  "superseded",
  "terminated",
  "expired",
  "rejected",
]);

export const clauseKind = pgEnum("clause_kind", [
  "data_share",
  "certification_requirement",
  "retail_listing_dependency",
  "rate_limit",
  "deletion_on_unlink",
  "breach_notification",
  "termination",
]);

export const signoffDecision = pgEnum("signoff_decision", ["approved", "rejected"]);

export const certificationStatus = pgEnum("certification_status", ["certified", "pending", "expired", "revoked"]);

export const listingStatus = pgEnum("listing_status", ["listed", "at_risk", "delisted"]);

export const demandStatus = pgEnum("demand_status", ["open", "countered", "accepted", "rejected"]);

export const leverageKind = pgEnum("leverage_kind", ["retail_listing", "certification", "other"]);

/** Why a device reported: maps onto Alexa's cause types and Google's notifications. */
export const reportCause = pgEnum("report_cause", ["physical", "app", "voice", "schedule", "periodic"]);

export const decisionOutcome = pgEnum("decision_outcome", ["send", "withhold", "transform"]);

/** `change`: decided when the state changed; `delivery`: re-decided before sending; `request`: a partner asked. */
export const decisionStage = pgEnum("decision_stage", ["change", "delivery", "request"]);

export const outboxStatus = pgEnum("outbox_status", ["pending", "retrying", "delivered", "dead", "cancelled"]);

export const alertKind = pgEnum("alert_kind", [
  "certification_expiry",
  "demand_deadline",
  "listing_at_risk",
  "deletion_deadline",
]);

export const replayStatus = pgEnum("replay_status", ["pending", "running", "done", "failed"]);
