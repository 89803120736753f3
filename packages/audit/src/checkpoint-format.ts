// A checkpoint as it is signed, exported and checked: the signed text (v1: the head alone; v2: also
// the checkpoint it follows and the key), the JSON handed to third parties, and the signature check
// against a keyring. Pure: what witnesses, verification and the signer share.
import type { auditCheckpoints } from "@proviso/db";
import { GENESIS_HASH } from "./chain";
import { keyIdOf, verifySignature, type Keyring } from "./keys";

export interface CheckpointExport {
  format: "proviso-audit-checkpoint/v1" | "proviso-audit-checkpoint/v2";
  id: number;
  uptoSeq: number;
  headHash: string;
  /** The checkpoint this one follows (v2): its entry and hash (0 and the genesis hash for the first). */
  prevSeq: number | null;
  prevHash: string | null;
  createdAt: string;
  keyId: string;
  publicKey: string;
  signature: string;
}

type Signed = Pick<CheckpointExport, "format" | "uptoSeq" | "headHash" | "prevSeq" | "prevHash" | "createdAt" | "keyId">;

/** The exact text that is signed. */
export function checkpointMessage(cp: Signed): string {
  if (cp.format === "proviso-audit-checkpoint/v1") return `proviso-audit-checkpoint/v1\nseq=${cp.uptoSeq}\nhash=${cp.headHash}\nat=${cp.createdAt}`;
  return [
    "proviso-audit-checkpoint/v2",
    `seq=${cp.uptoSeq}`,
    `hash=${cp.headHash}`,
    `prev-seq=${cp.prevSeq ?? 0}`,
    `prev-hash=${cp.prevHash ?? GENESIS_HASH}`,
    `at=${cp.createdAt}`,
    `key=${cp.keyId}`,
  ].join("\n");
}

export function toExport(row: typeof auditCheckpoints.$inferSelect): CheckpointExport {
  const v2 = row.version >= 2;
  return {
    format: v2 ? "proviso-audit-checkpoint/v2" : "proviso-audit-checkpoint/v1",
    id: row.id,
    uptoSeq: row.uptoSeq,
    headHash: row.headHash,
    prevSeq: v2 ? (row.prevSeq ?? 0) : null,
    prevHash: v2 ? (row.prevHash ?? GENESIS_HASH) : null,
    createdAt: row.createdAt.toISOString(),
    keyId: row.keyId,
    publicKey: row.publicKey,
    signature: row.signature,
  };
}

/**
 * The signature, made by a key of the keyring (never merely the key the checkpoint carries: an
 * operator could put any key there). An empty keyring trusts nothing.
 */
export function checkSignature(cp: Signed & Pick<CheckpointExport, "publicKey" | "signature">, trusted: Keyring): string | null {
  if (trusted.size === 0)
    return "no trusted key is configured (AUDIT_SIGNING_KEY, AUDIT_SIGNER_PUBLIC_KEY or AUDIT_TRUSTED_KEYS): the key a checkpoint carries is no evidence";
  if (keyIdOf(cp.publicKey) !== cp.keyId) return "checkpoint's key id does not match its public key";
  if (trusted.get(cp.keyId) !== cp.publicKey) return `checkpoint is signed by key ${cp.keyId}, which is not a trusted key (${[...trusted.keys()].join(", ")})`;
  if (!verifySignature(cp.publicKey, checkpointMessage(cp), cp.signature)) return "checkpoint signature is invalid";
  return null;
}
