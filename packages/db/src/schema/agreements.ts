// Agreements, their versions and clauses, sign-offs, the version history, and partner demands.
import type { ClauseTerms } from "@proviso/domain";
import { bigint, bigserial, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid, type AnyPgColumn } from "drizzle-orm/pg-core";
import { dataCategories, partners, programmes, purposes, retailListings } from "./catalogue";
import { agreementVersionStatus, alertKind, clauseKind, demandStatus, leverageKind, replayStatus, shareMode, signoffDecision } from "./enums";
import { users } from "./homes";

export const agreements = pgTable(
  "agreements",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    partnerId: text("partner_id")
      .notNull()
      .references(() => partners.id),
    title: text("title").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("agreements_partner_idx").on(t.partnerId)],
);

export const agreementVersions = pgTable(
  "agreement_versions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    agreementId: uuid("agreement_id")
      .notNull()
      .references(() => agreements.id),
    version: integer("version").notNull(),
    status: agreementVersionStatus("status").notNull().default("draft"),
    summary: text("summary").notNull().default(""),
    /** The version this draft was made from (the redline's left side). */
    basedOnId: uuid("based_on_id").references((): AnyPgColumn => agreementVersions.id),
    authorId: uuid("author_id").references(() => users.id),
    effectiveFrom: timestamp("effective_from", { withTimezone: true }),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    submittedAt: timestamp("submitted_at", { withTimezone: true }),
    activatedAt: timestamp("activated_at", { withTimezone: true }),
    endedAt: timestamp("ended_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("agreement_versions_agreement_version_uq").on(t.agreementId, t.version),
    index("agreement_versions_status_idx").on(t.status, t.effectiveFrom),
  ],
);

export const agreementClauses = pgTable(
  "agreement_clauses",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    versionId: uuid("version_id")
      .notNull()
      .references(() => agreementVersions.id, { onDelete: "cascade" }),
    /** Stable across versions (e.g. `3.1`): the redline pairs clauses by this key. */
    clauseKey: text("clause_key").notNull(),
    kind: clauseKind("kind").notNull(),
    title: text("title").notNull(),
    legalText: text("legal_text").notNull(),
    terms: jsonb("terms").$type<ClauseTerms>().notNull(),
    position: integer("position").notNull(),
  },
  (t) => [uniqueIndex("agreement_clauses_version_key_uq").on(t.versionId, t.clauseKey)],
);

export const agreementSignoffs = pgTable(
  "agreement_signoffs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    versionId: uuid("version_id")
      .notNull()
      .references(() => agreementVersions.id),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    decision: signoffDecision("decision").notNull(),
    comment: text("comment").notNull().default(""),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("agreement_signoffs_version_idx").on(t.versionId)],
);

/** Every status change of a version, with who (null: the scheduler) and when. */
export const agreementVersionEvents = pgTable(
  "agreement_version_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    versionId: uuid("version_id")
      .notNull()
      .references(() => agreementVersions.id),
    fromStatus: agreementVersionStatus("from_status"),
    toStatus: agreementVersionStatus("to_status").notNull(),
    actorId: uuid("actor_id").references(() => users.id),
    note: text("note").notNull().default(""),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("agreement_version_events_version_idx").on(t.versionId, t.at)],
);

/** What a partner asks for, the leverage behind it, and how it was answered. */
export const partnerDemands = pgTable(
  "partner_demands",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    partnerId: text("partner_id")
      .notNull()
      .references(() => partners.id),
    categoryKey: text("category_key")
      .notNull()
      .references(() => dataCategories.key),
    mode: shareMode("mode").notNull(),
    purposeKey: text("purpose_key")
      .notNull()
      .references(() => purposes.key),
    leverage: leverageKind("leverage").notNull(),
    leverageListingId: uuid("leverage_listing_id").references(() => retailListings.id),
    leverageProgrammeId: uuid("leverage_programme_id").references(() => programmes.id),
    description: text("description").notNull(),
    deadline: timestamp("deadline", { withTimezone: true }),
    status: demandStatus("status").notNull().default("open"),
    answeredByVersionId: uuid("answered_by_version_id").references(() => agreementVersions.id),
    /** The maker's answer in words (why countered, accepted or rejected). */
    responseNote: text("response_note"),
    filedById: uuid("filed_by_id").references(() => users.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("partner_demands_partner_status_idx").on(t.partnerId, t.status)],
);

/** Alerts raised by the worker's scheduler (certification expiry, demand deadlines, …). */
export const alerts = pgTable(
  "alerts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    kind: alertKind("kind").notNull(),
    partnerId: text("partner_id").references(() => partners.id),
    subjectId: uuid("subject_id").notNull(),
    /** Days before the due date this alert is for (60, 30, 7, 0): one alert per threshold. */
    thresholdDays: integer("threshold_days").notNull(),
    message: text("message").notNull(),
    dueAt: timestamp("due_at", { withTimezone: true }).notNull(),
    raisedAt: timestamp("raised_at", { withTimezone: true }).notNull().defaultNow(),
    acknowledgedAt: timestamp("acknowledged_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("alerts_kind_subject_threshold_uq").on(t.kind, t.subjectId, t.thresholdDays), index("alerts_partner_idx").on(t.partnerId, t.raisedAt)],
);

/**
 * What-if replays: recorded state changes of the last `days` days decided again with a draft in
 * place of the version in force. Run by the worker in the background; progress is polled.
 */
export const replayJobs = pgTable(
  "replay_jobs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    versionId: uuid("version_id")
      .notNull()
      .references(() => agreementVersions.id),
    days: integer("days").notNull(),
    status: replayStatus("status").notNull().default("pending"),
    processed: bigint("processed", { mode: "number" }).notNull().default(0),
    total: bigint("total", { mode: "number" }).notNull().default(0),
    result: jsonb("result").$type<Record<string, unknown>>(),
    error: text("error"),
    requestedById: uuid("requested_by_id").references(() => users.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [index("replay_jobs_status_idx").on(t.status, t.createdAt), index("replay_jobs_version_idx").on(t.versionId, t.createdAt)],
);
