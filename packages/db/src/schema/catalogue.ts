// Partners, their programmes and retail channels; device models, SKUs; the data taxonomy.
import { sql } from "drizzle-orm";
import { index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { certificationStatus, deviceKind, listingStatus, partnerAdapter } from "./enums";

export const partners = pgTable("partners", {
  /** A stable slug: `alexa`, `google-home`, … */
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  adapter: partnerAdapter("adapter").notNull(),
  /**
   * Where a homeowner starts linking this platform: its app's page for Proviso's skill or action,
   * which then sends them to Proviso's authorize page. Null: linking starts only in the platform's app.
   */
  linkUrl: text("link_url"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** One requirement of a certification programme, e.g. every capability proactively reported. */
export interface ProgrammeRequirement {
  key: string;
  text: string;
  /** Categories that must be shared in `mode` for the requirement to hold. */
  categories: string[];
  mode: "on_request" | "proactive";
}

export const programmes = pgTable(
  "programmes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    partnerId: text("partner_id")
      .notNull()
      .references(() => partners.id),
    key: text("key").notNull().unique(),
    name: text("name").notNull(),
    requirements: jsonb("requirements")
      .$type<ProgrammeRequirement[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
  },
  (t) => [index("programmes_partner_idx").on(t.partnerId)],
);

export const retailChannels = pgTable(
  "retail_channels",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    partnerId: text("partner_id")
      .notNull()
      .references(() => partners.id),
    key: text("key").notNull().unique(),
    name: text("name").notNull(),
  },
  (t) => [index("retail_channels_partner_idx").on(t.partnerId)],
);

/** Data categories, dot-keyed in the fideslang style (`user.device.sensor.temperature`). */
export const dataCategories = pgTable("data_categories", {
  key: text("key").primaryKey(),
  name: text("name").notNull(),
  description: text("description").notNull(),
  /** The shadow properties this category covers (e.g. `temperature`). */
  properties: text("properties").array().notNull(),
});

/** Purposes (data uses), e.g. `functional.service.fulfil_request`. */
export const purposes = pgTable("purposes", {
  key: text("key").primaryKey(),
  name: text("name").notNull(),
  description: text("description").notNull(),
});

export const deviceModels = pgTable("device_models", {
  id: uuid("id").primaryKey().defaultRandom(),
  key: text("key").notNull().unique(),
  name: text("name").notNull(),
  kind: deviceKind("kind").notNull(),
  /** The data categories this model can report. */
  categories: text("categories").array().notNull(),
});

export const skus = pgTable(
  "skus",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    modelId: uuid("model_id")
      .notNull()
      .references(() => deviceModels.id),
    code: text("code").notNull().unique(),
    name: text("name").notNull(),
    region: text("region").notNull(),
  },
  (t) => [index("skus_model_idx").on(t.modelId)],
);

export const certifications = pgTable(
  "certifications",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    modelId: uuid("model_id")
      .notNull()
      .references(() => deviceModels.id),
    programmeId: uuid("programme_id")
      .notNull()
      .references(() => programmes.id),
    status: certificationStatus("status").notNull(),
    certifiedAt: timestamp("certified_at", { withTimezone: true }),
    validUntil: timestamp("valid_until", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("certifications_model_programme_uq").on(t.modelId, t.programmeId), index("certifications_valid_until_idx").on(t.validUntil)],
);

export const retailListings = pgTable(
  "retail_listings",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    skuId: uuid("sku_id")
      .notNull()
      .references(() => skus.id),
    channelId: uuid("channel_id")
      .notNull()
      .references(() => retailChannels.id),
    status: listingStatus("status").notNull(),
    /** Clause keys of the partner's agreement this listing hangs on. */
    dependsOnClauseKeys: text("depends_on_clause_keys")
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("retail_listings_sku_channel_uq").on(t.skuId, t.channelId)],
);
