// The tamper-evident audit log, its signed checkpoints, and small key/value metadata.
import type { JobStatus } from "@proviso/domain";
import { sql } from "drizzle-orm";
import { bigint, bigserial, check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { users } from "./homes";

/**
 * Append-only hash chain: `hash = sha256(prevHash ‖ canonical entry)`. Decision batches carry
 * the Merkle root of their decisions. A trigger (migration 0001) refuses UPDATE and DELETE.
 */
export const auditLog = pgTable(
  "audit_log",
  {
    seq: bigserial("seq", { mode: "number" }).primaryKey(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    actorId: uuid("actor_id").references(() => users.id),
    action: text("action").notNull(),
    entityType: text("entity_type").notNull(),
    entityId: text("entity_id").notNull(),
    details: jsonb("details").$type<Record<string, unknown>>().notNull(),
    merkleRoot: text("merkle_root"),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [index("audit_log_entity_idx").on(t.entityType, t.entityId)],
);

/**
 * The chain's head, one row: appending locks it (`UPDATE … RETURNING`), so concurrent writers
 * queue for the few milliseconds of the append and never fork the chain.
 */
export const auditHead = pgTable("audit_head", {
  id: integer("id").primaryKey(),
  seq: bigint("seq", { mode: "number" }).notNull(),
  hash: text("hash").notNull(),
});

/** A signed statement "the log's entry `upto_seq` has hash `head_hash`", for third parties. */
export const auditCheckpoints = pgTable(
  "audit_checkpoints",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    uptoSeq: bigint("upto_seq", { mode: "number" }).notNull(),
    headHash: text("head_hash").notNull(),
    keyId: text("key_id").notNull(),
    /** Ed25519 public key (raw, base64) that verifies `signature`. */
    publicKey: text("public_key").notNull(),
    signature: text("signature").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** 1: signs the head alone; 2: also the checkpoint it follows (`prevSeq`, `prevHash`), so checkpoints chain. */
    version: integer("version").notNull().default(1),
    /** The checkpoint this one follows (v2): its entry and hash; null for the first. */
    prevSeq: bigint("prev_seq", { mode: "number" }),
    prevHash: text("prev_hash"),
    /**
     * The row it follows (not signed: the signed prev seq and hash are the evidence). Unique, so two
     * signers racing on the same predecessor cannot both insert: the chain of checkpoints never forks.
     */
    prevId: bigint("prev_id", { mode: "number" }),
  },
  (t) => [
    uniqueIndex("audit_checkpoints_one_successor_uq")
      .on(sql`coalesce(${t.prevId}, 0)`)
      .where(sql`${t.version} >= 2`),
  ],
);

/**
 * RFC 3161 time-stamp tokens over checkpoints' signatures, from each configured Time-Stamp
 * Authority: evidence held outside the operator's reach that the checkpoint existed by then.
 * Append-only (migration 0035); a TSA that was down is asked again later.
 */
export const auditCheckpointTimestamps = pgTable(
  "audit_checkpoint_timestamps",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    /** The checkpoint's id (no foreign key: TRUNCATE must reach the append-only trigger, not stop at the key). */
    checkpointId: bigint("checkpoint_id", { mode: "number" }).notNull(),
    /** The TSA's URL, as configured. */
    authority: text("authority").notNull(),
    /** The TimeStampResp, DER, base64. */
    token: text("token").notNull(),
    /** The token's genTime. */
    stampedAt: timestamp("stamped_at", { withTimezone: true }).notNull(),
  },
  (t) => [index("audit_checkpoint_timestamps_checkpoint_idx").on(t.checkpointId)],
);

export const appMeta = pgTable("app_meta", {
  key: text("key").primaryKey(),
  value: jsonb("value").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Each statement that changed what the engine decides by, with what it changed, under the policy
 * counter value it moved the counter to (migrations 0020, 0023). A worker whose snapshot is behind
 * applies these to it instead of reloading everything. The last 10,000 are kept.
 */
export const policyChanges = pgTable("policy_changes", {
  version: bigint("version", { mode: "number" }).primaryKey(),
  /**
   * What the statement changed (migration 0023): `consents` (what it wrote, in `consents`), `links`
   * or `devices` (the homes whose links or devices it changed, in `homes`), `terms` (agreement
   * versions, clauses or certifications: the worker reads them all again).
   */
  kind: text("kind").notNull().default("consents"),
  /** [{ homeId, partnerId, category, mode, version }] */
  consents: jsonb("consents").notNull().default([]),
  /** [homeId] */
  homes: jsonb("homes").notNull().default([]),
  at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
});

/** Sign-in attempts, for rate limiting by e-mail address and by client address. */
/**
 * Sign-in attempts and what became of them: `ok`, `failed` (a wrong password: the only kind that
 * counts towards a limit), `refused` (over a limit: recorded, never counted), and `unlocked` (an
 * administrator cleared the account's failures: only those after it count).
 */
export const signInAttempts = pgTable(
  "sign_in_attempts",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    email: text("email").notNull(),
    ip: text("ip"),
    outcome: text("outcome", { enum: ["ok", "failed", "refused", "unlocked"] }).notNull(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("sign_in_attempts_email_at_idx").on(t.email, t.at),
    index("sign_in_attempts_ip_at_idx").on(t.ip, t.at),
    check("sign_in_attempts_outcome_check", sql`${t.outcome} in ('ok', 'failed', 'refused', 'unlocked')`),
  ],
);

/** Verifications of the chain requested in the legal area, run by the worker with progress. */
export const auditVerifications = pgTable(
  "audit_verifications",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    fromSeq: bigint("from_seq", { mode: "number" }),
    toSeq: bigint("to_seq", { mode: "number" }),
    status: text("status").$type<JobStatus>().notNull().default("pending"),
    processed: bigint("processed", { mode: "number" }).notNull().default(0),
    total: bigint("total", { mode: "number" }).notNull().default(0),
    result: jsonb("result").$type<Record<string, unknown>>(),
    error: text("error"),
    requestedById: uuid("requested_by_id").references(() => users.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [index("audit_verifications_status_idx").on(t.status, t.createdAt)],
);
