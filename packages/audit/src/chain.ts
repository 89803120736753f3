// The hash chain. Entry n commits to entry n-1: hash(n) = sha256(hash(n-1) ‖ "\n" ‖ canonical(n)).
// An append happens inside the caller's transaction, so the record and the change it records
// commit together or not at all. The head row is locked by the append's first statement and
// released at commit: concurrent writers queue for the append, never fork the chain.
import { executePrepared, type Executor } from "@proviso/db";
import { sql } from "drizzle-orm";
import { createHash } from "node:crypto";
import { canonicalJson } from "./canonical";

export const GENESIS_HASH = "0".repeat(64);

export interface AuditInput {
  /** The signed-in user behind the change; null for the worker and the seed. */
  actorId?: string | null;
  /** e.g. `consent.changed`, `agreement_version.approved`, `decisions.sealed`. */
  action: string;
  entityType: string;
  entityId: string;
  details: Record<string, unknown>;
  /** For a decision batch: the Merkle root of its decisions. */
  merkleRoot?: string | null;
}

export interface AuditEntry extends Required<AuditInput> {
  seq: number;
  at: Date;
  prevHash: string;
  hash: string;
}

/** The text an entry's hash commits to (everything but the hashes themselves). */
export function entryCanonical(e: Omit<AuditEntry, "prevHash" | "hash">): string {
  return canonicalJson({
    seq: e.seq,
    at: e.at,
    actorId: e.actorId ?? null,
    action: e.action,
    entityType: e.entityType,
    entityId: e.entityId,
    details: e.details,
    merkleRoot: e.merkleRoot ?? null,
  });
}

export function entryHash(prevHash: string, e: Omit<AuditEntry, "prevHash" | "hash">): string {
  return createHash("sha256").update(prevHash).update("\n").update(entryCanonical(e)).digest("hex");
}

const arr = (values: unknown[]) => sql.param(values);

/** Appends entries to the chain in the caller's transaction; returns them with seq and hashes. */
export async function appendAudit(tx: Executor, inputs: AuditInput | AuditInput[], at: Date = new Date()): Promise<AuditEntry[]> {
  const list = Array.isArray(inputs) ? inputs : [inputs];
  if (list.length === 0) return [];
  // Details go through JSON once so what is hashed is exactly what jsonb will give back.
  const normalised = list.map((e) => ({ ...e, details: JSON.parse(JSON.stringify(e.details)) as Record<string, unknown> }));
  // Prepared: every batch the worker seals appends here.
  const head = await executePrepared<{ seq: string | number; hash: string }>(
    tx,
    sql`update audit_head set seq = seq + ${list.length} where id = 1 returning seq, hash`,
  );
  const row = head.rows[0];
  if (!row) throw new Error("the audit chain has no head row (migration 0005 not applied?)");
  let seq = Number(row.seq) - list.length;
  let prev = row.hash;
  const entries: AuditEntry[] = normalised.map((e) => {
    seq++;
    const base = {
      seq,
      at,
      actorId: e.actorId ?? null,
      action: e.action,
      entityType: e.entityType,
      entityId: e.entityId,
      details: e.details,
      merkleRoot: e.merkleRoot ?? null,
    };
    const hash = entryHash(prev, base);
    const entry = { ...base, prevHash: prev, hash };
    prev = hash;
    return entry;
  });
  await executePrepared(
    tx,
    sql`
    with appended as (
      insert into audit_log (seq, at, actor_id, action, entity_type, entity_id, details, merkle_root, prev_hash, hash)
      select * from unnest(
        ${arr(entries.map((e) => e.seq))}::bigint[], ${arr(entries.map((e) => e.at.toISOString()))}::timestamptz[],
        ${arr(entries.map((e) => e.actorId))}::uuid[], ${arr(entries.map((e) => e.action))}::text[],
        ${arr(entries.map((e) => e.entityType))}::text[], ${arr(entries.map((e) => e.entityId))}::text[],
        ${arr(entries.map((e) => JSON.stringify(e.details)))}::jsonb[], ${arr(entries.map((e) => e.merkleRoot))}::text[],
        ${arr(entries.map((e) => e.prevHash))}::text[], ${arr(entries.map((e) => e.hash))}::text[])
    )
    update audit_head set hash = ${prev} where id = 1`,
  );
  return entries;
}
