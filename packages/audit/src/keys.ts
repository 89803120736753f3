// Ed25519 signing for checkpoints. The key is a 32-byte seed, base64, from configuration
// (AUDIT_SIGNING_KEY); the key id is the first 16 hex digits of sha256(public key).
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from "node:crypto";

const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export interface Signer {
  keyId: string;
  /** Raw 32-byte public key, base64. */
  publicKey: string;
  sign(message: string): string;
}

export class SigningKeyError extends Error {}

export function newSigningSeed(): string {
  return randomBytes(32).toString("base64");
}

export function signerFromSeed(seedBase64: string): Signer {
  const seed = Buffer.from(seedBase64.trim(), "base64");
  if (seed.length !== 32) throw new SigningKeyError(`AUDIT_SIGNING_KEY must be 32 bytes in base64 (got ${seed.length} bytes)`);
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: "der", type: "pkcs8" });
  const raw = createPublicKey(privateKey).export({ format: "der", type: "spki" }).subarray(SPKI_ED25519_PREFIX.length);
  const publicKey = raw.toString("base64");
  return {
    keyId: keyIdOf(publicKey),
    publicKey,
    sign: (message) => sign(null, Buffer.from(message, "utf8"), privateKey).toString("base64"),
  };
}

export function keyIdOf(publicKeyBase64: string): string {
  return createHash("sha256").update(Buffer.from(publicKeyBase64, "base64")).digest("hex").slice(0, 16);
}

function publicKeyObject(publicKeyBase64: string): KeyObject {
  const raw = Buffer.from(publicKeyBase64, "base64");
  if (raw.length !== 32) throw new SigningKeyError("an Ed25519 public key is 32 bytes");
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: "der", type: "spki" });
}

export function verifySignature(publicKeyBase64: string, message: string, signatureBase64: string): boolean {
  try {
    return verify(null, Buffer.from(message, "utf8"), publicKeyObject(publicKeyBase64), Buffer.from(signatureBase64, "base64"));
  } catch {
    return false;
  }
}
