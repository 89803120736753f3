// Ed25519 signing for checkpoints. The signer is a key in a file or the environment (a 32-byte
// seed, base64: AUDIT_SIGNING_KEY, npm start's default) or a remote signer the key never leaves
// (AUDIT_SIGNER_URL: an HTTP signer or a KMS behind one). The key id is the first 16 hex digits of
// sha256(public key). Verification trusts a keyring, never the key a checkpoint carries: the
// current key and the retired ones (AUDIT_TRUSTED_KEYS), each still trusted for what it signed.
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from "node:crypto";

const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export interface Signer {
  keyId: string;
  /** Raw 32-byte public key, base64. */
  publicKey: string;
  sign(message: string): string | Promise<string>;
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

/**
 * A signer the key never leaves: `POST url` with `{ "message" }` (and a bearer token) answers
 * `{ "signature" }` (Ed25519, base64). Its public key is configured, not asked for: a signature it
 * returns is checked against it before it is used.
 */
export function httpSigner(o: { url: string; publicKey: string; token?: string; timeoutMs?: number }): Signer {
  publicKeyObject(o.publicKey); // throws for a malformed key now, not at the first checkpoint
  return {
    keyId: keyIdOf(o.publicKey),
    publicKey: o.publicKey,
    async sign(message) {
      const res = await fetch(o.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...(o.token ? { authorization: `Bearer ${o.token}` } : {}) },
        body: JSON.stringify({ message }),
        signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
      });
      if (!res.ok) throw new SigningKeyError(`the signer at ${o.url} answered ${res.status}`);
      const { signature } = (await res.json()) as { signature?: string };
      if (!signature || !verifySignature(o.publicKey, message, signature))
        throw new SigningKeyError(`the signer at ${o.url} returned no valid signature for its key ${keyIdOf(o.publicKey)}`);
      return signature;
    },
  };
}

/** The keys whose checkpoints verification trusts, by key id. */
export type Keyring = ReadonlyMap<string, string>;

/** A keyring of public keys (base64): the current signer's and the retired ones still trusted for what they signed. */
export function keyring(publicKeys: readonly (string | null | undefined)[]): Keyring {
  const ring = new Map<string, string>();
  for (const k of publicKeys) if (k) ring.set(keyIdOf(k.trim()), k.trim());
  return ring;
}

/** The signer the settings name (a remote signer, else a key), or null when none is configured. */
export function signerFromSettings(env: {
  AUDIT_SIGNING_KEY?: string;
  AUDIT_SIGNER_URL?: string;
  AUDIT_SIGNER_PUBLIC_KEY?: string;
  AUDIT_SIGNER_TOKEN?: string;
}): Signer | null {
  if (env.AUDIT_SIGNER_URL) {
    if (!env.AUDIT_SIGNER_PUBLIC_KEY)
      throw new SigningKeyError("AUDIT_SIGNER_URL is set but AUDIT_SIGNER_PUBLIC_KEY is not: the remote signer's key must be known in advance");
    return httpSigner({ url: env.AUDIT_SIGNER_URL, publicKey: env.AUDIT_SIGNER_PUBLIC_KEY, token: env.AUDIT_SIGNER_TOKEN });
  }
  return env.AUDIT_SIGNING_KEY ? signerFromSeed(env.AUDIT_SIGNING_KEY) : null;
}

/** The keyring the settings name: the signer's key and AUDIT_TRUSTED_KEYS (comma-separated public keys). */
export function keyringFromSettings(env: { AUDIT_TRUSTED_KEYS?: string }, signer: Signer | null): Keyring {
  return keyring([signer?.publicKey, ...(env.AUDIT_TRUSTED_KEYS ?? "").split(",")]);
}
