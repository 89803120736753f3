// Homes, the people who sign in, devices, partner links and consents.
import type { CallbackUrls } from "@proviso/domain";
import { sql } from "drizzle-orm";
import { bigserial, check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { dataCategories, deviceModels, partners, skus } from "./catalogue";
import { deletionStatus, linkStatus, shareMode, userRole } from "./enums";

export const homes = pgTable("homes", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  region: text("region").notNull(),
  timezone: text("timezone").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Stored lower-case; sign-in lower-cases what is typed. */
    email: text("email").notNull().unique(),
    name: text("name").notNull(),
    /** `scrypt$N$r$p$salt$hash` (see packages/auth/src/password.ts). */
    passwordHash: text("password_hash").notNull(),
    role: userRole("role").notNull(),
    partnerId: text("partner_id").references(() => partners.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // A partner user belongs to exactly one partner; nobody else belongs to one.
    check("users_partner_role_ck", sql`(${t.role} = 'partner') = (${t.partnerId} IS NOT NULL)`),
  ],
);

export const homeMemberships = pgTable(
  "home_memberships",
  {
    homeId: uuid("home_id")
      .notNull()
      .references(() => homes.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.homeId, t.userId] }), index("home_memberships_user_idx").on(t.userId)],
);

export const devices = pgTable(
  "devices",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    homeId: uuid("home_id")
      .notNull()
      .references(() => homes.id),
    modelId: uuid("model_id")
      .notNull()
      .references(() => deviceModels.id),
    skuId: uuid("sku_id")
      .notNull()
      .references(() => skus.id),
    name: text("name").notNull(),
    room: text("room").notNull(),
    serial: text("serial").notNull().unique(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** Last heartbeat or report; the worker marks devices unreachable from this. */
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }),
  },
  (t) => [index("devices_home_idx").on(t.homeId), index("devices_model_idx").on(t.modelId)],
);

/** A home's account at a partner platform. Tokens are encrypted at rest by the application. */
export const partnerLinks = pgTable(
  "partner_links",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    homeId: uuid("home_id")
      .notNull()
      .references(() => homes.id),
    partnerId: text("partner_id")
      .notNull()
      .references(() => partners.id),
    status: linkStatus("status").notNull().default("active"),
    region: text("region").notNull(),
    /** The partner's user id for this home (Alexa user id, Google agentUserId). */
    externalAccountId: text("external_account_id").notNull(),
    accessTokenEnc: text("access_token_enc"),
    refreshTokenEnc: text("refresh_token_enc"),
    tokenExpiresAt: timestamp("token_expires_at", { withTimezone: true }),
    /** Where the platform asked to be called back for this link (SmartThings' `callbackUrls`: `oauthToken`, `stateCallback`). */
    callbackUrls: jsonb("callback_urls").$type<CallbackUrls>(),
    linkedAt: timestamp("linked_at", { withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp("ended_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("partner_links_home_partner_uq").on(t.homeId, t.partnerId), index("partner_links_partner_status_idx").on(t.partnerId, t.status)],
);

/**
 * What a partner was last told about a link's devices: per device, a digest of its description
 * (name, room, model, and the modes the terms and consent allow for each category). Written when
 * the partner asks (Alexa's Discover, Google's SYNC) and when the worker tells it (AddOrUpdateReport
 * and DeleteReport, requestSync). The worker compares it with what is allowed now and queues a
 * discovery update where the two differ. A table of its own: a change to `partner_links` moves the
 * policy counter, and recording an announcement must not reload every worker's snapshot.
 */
export const linkDiscovery = pgTable("link_discovery", {
  linkId: uuid("link_id")
    .primaryKey()
    .references(() => partnerLinks.id),
  /** deviceId → digest of its description as announced. */
  devices: jsonb("devices").$type<Record<string, string>>().notNull(),
  /** A digest of `devices`: what a check compares with what may be told now. */
  digest: text("digest").notNull(),
  announcedAt: timestamp("announced_at", { withTimezone: true }).notNull().defaultNow(),
  /** `discover`, `sync`, `add_or_update`, `request_sync`: how the partner learnt it (`nothing_to_tell`: no device to tell of). */
  via: text("via").notNull(),
});

/** Raised when a homeowner unlinks: the partner must delete by the agreement's deadline. */
export const deletionRequests = pgTable(
  "deletion_requests",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    linkId: uuid("link_id")
      .notNull()
      .references(() => partnerLinks.id),
    requestedAt: timestamp("requested_at", { withTimezone: true }).notNull().defaultNow(),
    deadline: timestamp("deadline", { withTimezone: true }).notNull(),
    status: deletionStatus("status").notNull().default("pending"),
    /** When the platform took the request (its own deletion call, or a signed event). */
    sentAt: timestamp("sent_at", { withTimezone: true }),
    /** How the platform is told: `request` (sent or to be sent), `none` (it offers no way: confirmation only). */
    toldVia: text("told_via"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
    lastError: text("last_error"),
    confirmedAt: timestamp("confirmed_at", { withTimezone: true }),
    /** The partner's staff member who confirmed, and what they said (a reference of theirs). */
    confirmedBy: uuid("confirmed_by").references(() => users.id),
    confirmationNote: text("confirmation_note"),
  },
  (t) => [index("deletion_requests_status_deadline_idx").on(t.status, t.deadline)],
);

/**
 * Consent per home × partner × category, append-only: each change is a new row with the next
 * `version`; the current consent is the highest version. A trigger (migration 0001) refuses
 * UPDATE and DELETE. No row means `off` (privacy by default).
 */
export const consents = pgTable(
  "consents",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    homeId: uuid("home_id")
      .notNull()
      .references(() => homes.id),
    partnerId: text("partner_id")
      .notNull()
      .references(() => partners.id),
    categoryKey: text("category_key")
      .notNull()
      .references(() => dataCategories.key),
    mode: shareMode("mode").notNull(),
    version: integer("version").notNull(),
    /** Null when the system set it (e.g. an unlink turning everything off). */
    setBy: uuid("set_by").references(() => users.id),
    setAt: timestamp("set_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("consents_home_partner_category_version_uq").on(t.homeId, t.partnerId, t.categoryKey, t.version),
    index("consents_partner_idx").on(t.partnerId, t.categoryKey),
  ],
);
