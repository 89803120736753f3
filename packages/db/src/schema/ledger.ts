// The device shadow, accepted state events, decisions (the ledger), the outbox and quarantine.
import type { DecisionReason, ShadowProperty } from "@proviso/domain";
import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  check,
  date,
  doublePrecision,
  index,
  integer,
  json,
  jsonb,
  pgSequence,
  pgTable,
  pgView,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { partners } from "./catalogue";
import { decisionOutcome, decisionStage, outboxStatus, reportCause, shareMode } from "./enums";
import { devices } from "./homes";

export const deviceShadow = pgTable("device_shadow", {
  deviceId: uuid("device_id")
    .primaryKey()
    .references(() => devices.id),
  /** Bumped on every accepted change. */
  version: bigint("version", { mode: "number" }).notNull().default(0),
  reachable: boolean("reachable").notNull().default(true),
  /**
   * Per property: last sequence number, value, observed-at and cause. `json`, like `sent`: the
   * worker writes both whole (the row is locked, or checked by revision, so its copy is current)
   * and they are read whole; PostgreSQL checks json text instead of building jsonb and merging it
   * (migration 0017).
   */
  properties: json("properties")
    .$type<Record<string, ShadowProperty>>()
    .notNull()
    .default(sql`'{}'::json`),
  lastReportAt: timestamp("last_report_at", { withTimezone: true }),
  staleReports: bigint("stale_reports", { mode: "number" }).notNull().default(0),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  /**
   * What the device last sent each partner, per category (for minimum intervals and completing
   * Google traits): `"<partner> <category>"` → `[observed-at epoch ms, properties sent]`. In the
   * row, under its lock, so every worker replica sees what the others sent.
   */
  sent: json("sent")
    .$type<Record<string, [number, Record<string, unknown>]>>()
    .notNull()
    .default(sql`'{}'::json`),
  /**
   * The id of the transaction that last wrote the row (`txid_current()`, never reused): a worker
   * whose cached copy carries the same revision knows no one else has written it since.
   */
  revision: bigint("revision", { mode: "number" }).notNull().default(0),
});

/**
 * The ledger tables (state events, decisions, outbox) carry no foreign keys: they are written only
 * by the worker, from ids it loaded from the tables they name, which are never deleted (links end by
 * status). Measured on PostgreSQL, the six checks per decision made its insert 3.3× slower.
 */

/** Every accepted state report, as the device sent it (after validation). */
export const stateEvents = pgTable(
  "state_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    deviceId: uuid("device_id").notNull(),
    homeId: uuid("home_id").notNull(),
    seq: bigint("seq", { mode: "number" }).notNull(),
    observedAt: timestamp("observed_at", { withTimezone: true }).notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
    cause: reportCause("cause").notNull(),
    /**
     * Only the properties that changed, as JSON text (`json`, not `jsonb`: kept as written and read
     * whole; PostgreSQL checks json text ≈ 8× faster than it builds jsonb, migration 0016).
     */
    properties: json("properties").$type<Record<string, unknown>>().notNull(),
  },
  // Read by time (the what-if replay) and by id (the ledger's cause); every other index would only
  // slow the hot path down. Duplicates never become events: the shadow's per-property seq stops them.
  (t) => [index("state_events_observed_idx").on(t.observedAt)],
);

/**
 * What a decision concluded, apart from the change it was about: partner, category, mode, stage,
 * outcome and the reasons (with the agreement version, clauses and consent version they name).
 * A busy ledger repeats a few hundred of these millions of times, so each is stored once. The id is
 * derived from the content (`kindId` in @proviso/audit), so every writer in every process agrees
 * on it without asking the database. Append-only, like the rows that point at it.
 */
export const decisionKinds = pgTable("decision_kinds", {
  id: bigint("id", { mode: "number" }).primaryKey(),
  partnerId: text("partner_id").notNull(),
  categoryKey: text("category_key").notNull(),
  mode: shareMode("mode").notNull(),
  stage: decisionStage("stage").notNull(),
  outcome: decisionOutcome("outcome").notNull(),
  reasons: jsonb("reasons").$type<DecisionReason[]>().notNull(),
  agreementVersionId: uuid("agreement_version_id"),
  clauseKeys: text("clause_keys")
    .array()
    .notNull()
    .default(sql`'{}'::text[]`),
  consentVersion: integer("consent_version"),
});

/** How many ids each value of the ledger's sequences owns (migration 0011; `reserveIds` in ids.ts). */
export const ID_BLOCK = 1024;

/**
 * Numbers decisions (in `decision_sets`, and `decision_rows` before them). Writers reserve ids up front in blocks: each
 * value the sequence hands out owns the next `ID_BLOCK` ids (`reserveIds`), so a batch of
 * thousands of decisions takes a few sequence calls, not thousands.
 */
export const decisionsIdSeq = pgSequence("decisions_id_seq", { increment: ID_BLOCK });

/**
 * The ledger as stored until migration 0013: one row per (state change or request) × partner link ×
 * category, pointing at its kind. Kept as written (it is evidence); new decisions go to
 * `decision_sets`. Read both through the `decisions` view.
 */
export const decisionRows = pgTable(
  "decision_rows",
  {
    id: bigint("id", { mode: "number" }).primaryKey(),
    /**
     * The sealed batch this decision was written in (`decision_batch_seq`). The batch's audit-log
     * entry (entity `decision_batch`, id = this number) carries the Merkle root of its decisions.
     */
    auditBatch: bigint("audit_batch", { mode: "number" }).notNull(),
    stateEventId: bigint("state_event_id", { mode: "number" }),
    homeId: uuid("home_id").notNull(),
    deviceId: uuid("device_id").notNull(),
    linkId: uuid("link_id"),
    kindId: bigint("kind_id", { mode: "number" }).notNull(),
    /** The values as they were (or would have been) sent, after minimisation. */
    sentProperties: jsonb("sent_properties").$type<Record<string, unknown>>(),
    observedAt: timestamp("observed_at", { withTimezone: true }).notNull(),
    decidedAt: timestamp("decided_at", { withTimezone: true }).notNull(),
  },
  // By batch (verification, proofs) and by home over time (the homeowner's ledger, "was this
  // shared?"). A per-device index cost the hot path more than it saved: a home has a few devices.
  (t) => [index("decisions_audit_batch_idx").on(t.auditBatch, t.id), index("decisions_home_decided_idx").on(t.homeId, t.decidedAt, t.id)],
);

/**
 * The ledger as written since migration 0013: one row per *decision set*, the decisions made about
 * one change (or one request) at one moment, with consecutive ids. The set's id is its first
 * decision's; the others follow one by one. What the decisions share (state event, home, device,
 * observed and decided at) is stored once, and each decision's kind, link and sent values sit in
 * arrays in id order. A change decided for two partners over three categories is one row, not six.
 * Read decisions through the `decisions` view, which unnests sets (and still shows the
 * `decision_rows` written before). A set is also one leaf of its batch's Merkle tree.
 */
export const decisionSets = pgTable(
  "decision_sets",
  {
    id: bigint("id", { mode: "number" }).primaryKey(),
    auditBatch: bigint("audit_batch", { mode: "number" }).notNull(),
    stateEventId: bigint("state_event_id", { mode: "number" }),
    homeId: uuid("home_id").notNull(),
    deviceId: uuid("device_id").notNull(),
    observedAt: timestamp("observed_at", { withTimezone: true }).notNull(),
    decidedAt: timestamp("decided_at", { withTimezone: true }).notNull(),
    kindIds: bigint("kind_ids", { mode: "number" }).array().notNull(),
    linkIds: uuid("link_ids").array().notNull(),
    /**
     * A JSON array, one element per decision: the values as (or as they would have been) sent, or
     * null, in canonical form. Stored as the text the batch's Merkle leaf hashed (`json`, see
     * `state_events.properties`).
     */
    sentProperties: json("sent_properties").$type<(Record<string, unknown> | null)[]>().notNull(),
  },
  (t) => [
    // By batch in leaf order (verification, proofs); by home over time (the homeowner's ledger,
    // "was this shared?"). The set holding decision x is the one with the greatest id ≤ x.
    index("decision_sets_audit_batch_idx").on(t.auditBatch, t.id),
    index("decision_sets_home_decided_idx").on(t.homeId, t.decidedAt, t.id),
    // The values' count is the writer's check (`decisionSetWrites`), and the Merkle leaf commits
    // to them: counting a JSON array here parsed every set again (≈ 1.5 µs a change, migration 0017).
    check("decision_sets_arrays_check", sql`cardinality(${t.kindIds}) > 0 AND cardinality(${t.linkIds}) = cardinality(${t.kindIds})`),
  ],
);

/**
 * The ledger: one row per (state change or request) × partner link × category (a view over
 * `decision_rows` and `decision_sets` joined to `decision_kinds`, see 0010 and 0013).
 */
export const decisions = pgView("decisions", {
  id: bigint("id", { mode: "number" }).notNull(),
  stateEventId: bigint("state_event_id", { mode: "number" }),
  homeId: uuid("home_id").notNull(),
  deviceId: uuid("device_id").notNull(),
  partnerId: text("partner_id").notNull(),
  linkId: uuid("link_id"),
  categoryKey: text("category_key").notNull(),
  mode: shareMode("mode").notNull(),
  stage: decisionStage("stage").notNull(),
  outcome: decisionOutcome("outcome").notNull(),
  sentProperties: jsonb("sent_properties").$type<Record<string, unknown>>(),
  reasons: jsonb("reasons").$type<DecisionReason[]>().notNull(),
  agreementVersionId: uuid("agreement_version_id"),
  clauseKeys: text("clause_keys").array().notNull(),
  consentVersion: integer("consent_version"),
  observedAt: timestamp("observed_at", { withTimezone: true }).notNull(),
  decidedAt: timestamp("decided_at", { withTimezone: true }).notNull(),
  auditBatch: bigint("audit_batch", { mode: "number" }).notNull(),
}).existing();

/** Numbers the sealed batches of decisions (see `decisions.audit_batch`). */
export const decisionBatchSeq = pgSequence("decision_batch_seq");

/**
 * The roots of each sealed batch's aligned 64-leaf subtrees (level 6 of its Merkle tree), written
 * with the batch when it has more than 64 decisions. An index for proofs, not evidence: a proof
 * of one decision then reads its 64 neighbours instead of the whole batch, and a wrong stored
 * hash can only make a proof fail to reach the root the chain entry carries, never pass.
 */
export const decisionBatchChunks = pgTable(
  "decision_batch_chunks",
  {
    auditBatch: bigint("audit_batch", { mode: "number" }).notNull(),
    chunk: integer("chunk").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [primaryKey({ columns: [t.auditBatch, t.chunk] })],
);

/** Running totals for reports, maintained as decisions are written. */
export const decisionDailyStats = pgTable(
  "decision_daily_stats",
  {
    day: date("day", { mode: "string" }).notNull(),
    partnerId: text("partner_id")
      .notNull()
      .references(() => partners.id),
    categoryKey: text("category_key").notNull(),
    mode: shareMode("mode").notNull(),
    outcome: decisionOutcome("outcome").notNull(),
    reasonCode: text("reason_code").notNull(),
    count: bigint("count", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.partnerId, t.categoryKey, t.mode, t.outcome, t.reasonCode] })],
);

/** Messages in the partner's wire format, waiting to be delivered (claimed with SKIP LOCKED). */
export const outbox = pgTable(
  "outbox",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    /** Stable across retries, so the partner recognises a retry as the same message. */
    messageId: uuid("message_id").notNull().unique(),
    partnerId: text("partner_id").notNull(),
    linkId: uuid("link_id").notNull(),
    homeId: uuid("home_id").notNull(),
    deviceId: uuid("device_id"),
    decisionId: bigint("decision_id", { mode: "number" }),
    /** e.g. `alexa.ChangeReport`, `google.reportStateAndNotification`, `webhook.state`. */
    kind: text("kind").notNull(),
    categoryKeys: text("category_keys").array().notNull(),
    /** The message before its wire format (`OutboxPayload`), read whole at delivery: `json` (see `state_events.properties`). */
    payload: json("payload").notNull(),
    observedAt: timestamp("observed_at", { withTimezone: true }).notNull(),
    status: outboxStatus("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    /**
     * Until when a worker holds the message (claimed, being sent); null when none does. Not
     * indexed, and the table keeps free space on its pages (fillfactor 70, migration 0014), so a
     * claim is an in-place (HOT) update that writes no index entries.
     */
    leasedUntil: timestamp("leased_until", { withTimezone: true }),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
  },
  (t) => [
    // Only the messages still to deliver: a delivered one leaves the index.
    index("outbox_due_idx")
      .on(t.nextAttemptAt, t.id)
      .where(sql`${t.status} in ('pending', 'retrying')`),
    index("outbox_partner_created_idx").on(t.partnerId, t.createdAt),
    // At most one discovery update queued per link: any number of workers may notice the same
    // change; the one queued is built from the snapshot at delivery, so it carries the latest.
    uniqueIndex("outbox_discovery_queued_uq")
      .on(t.linkId, t.kind)
      .where(sql`${t.status} in ('pending', 'retrying') and ${t.kind} like '%.discovery'`),
  ],
);

/** Reports that failed validation, kept with their reason for an operator to inspect. */
export const quarantine = pgTable(
  "quarantine",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
    source: text("source").notNull(),
    topic: text("topic"),
    /** The device id the report claimed, if one could be read. */
    deviceRef: text("device_ref"),
    reasonCode: text("reason_code").notNull(),
    reason: text("reason").notNull(),
    raw: text("raw").notNull(),
  },
  (t) => [index("quarantine_received_idx").on(t.receivedAt), index("quarantine_reason_idx").on(t.reasonCode)],
);

/**
 * The agreements' rate limits as token buckets every worker draws on (`rate-limits.ts` in the
 * pipeline), so that replicas between them send no more than a clause allows: one row per partner
 * (across the integration) and per partner and home. `granted` is what the last reservation took.
 */
export const rateBuckets = pgTable("rate_buckets", {
  key: text("key").primaryKey(),
  perMinute: doublePrecision("per_minute").notNull(),
  tokens: doublePrecision("tokens").notNull(),
  granted: integer("granted").notNull().default(0),
  at: timestamp("at", { withTimezone: true }).notNull(),
});

/**
 * A partner that answered 429 (too many requests): no worker sends it anything before `until`
 * (its Retry-After, or the backoff where it gave none). One row per partner, kept.
 */
export const partnerHolds = pgTable("partner_holds", {
  partnerId: text("partner_id").primaryKey(),
  until: timestamp("until", { withTimezone: true }).notNull(),
  reason: text("reason").notNull(),
  at: timestamp("at", { withTimezone: true }).notNull(),
});
