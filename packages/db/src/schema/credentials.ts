// Who may speak for devices: each device's own credentials, and ingest clients (the maker's cloud,
// a home's gateway) that forward many devices' reports. A credential is a public key id and a
// secret shown once; only the secret's SHA-256 is kept (256 random bits need no slow hash).
// Rotation gives the old one an end (`expires_at`, the grace period); revocation ends it at once.
import { sql } from "drizzle-orm";
import { check, index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { devices } from "./homes";

export const deviceCredentials = pgTable(
  "device_credentials",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    deviceId: uuid("device_id")
      .notNull()
      .references(() => devices.id),
    /** The public half: the MQTT username, and the bearer token's part before the dot (`dk_…`). */
    keyId: text("key_id").notNull().unique(),
    /** SHA-256 of the secret, hex. */
    secretHash: text("secret_hash").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** Set when it is rotated: it still works until then (the grace period). */
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    /** Set when it is revoked: it works no more, from that moment. */
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [index("device_credentials_device_idx").on(t.deviceId), check("device_credentials_key_id_check", sql`${t.keyId} ~ '^dk_[a-z0-9]{20}$'`)],
);

export const ingestClients = pgTable(
  "ingest_clients",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** What it is, for people: "Maker cloud (EU)", "Berg home gateway". */
    name: text("name").notNull(),
    /** The public half of its bearer token (`ic_…`). */
    keyId: text("key_id").notNull().unique(),
    secretHash: text("secret_hash").notNull(),
    /** The homes whose devices it may speak for; null: every device (the maker's own cloud). */
    homeIds: uuid("home_ids").array(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [check("ingest_clients_key_id_check", sql`${t.keyId} ~ '^ic_[a-z0-9]{20}$'`)],
);
