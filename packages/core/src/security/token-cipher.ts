// Partner tokens are encrypted at rest: AES-256-GCM with a key from configuration
// (TOKEN_ENCRYPTION_KEY, 32 bytes base64; npm start generates one under .data/). Each token is
// bound to its link as associated data, so a ciphertext copied onto another link does not open;
// and decryption insists on the whole 16-byte authentication tag (a shortened one is refused).
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const TAG_BYTES = 16;
const IV_BYTES = 12;

export interface TokenCipher {
  /** Seals a token for the link (or other owner) it belongs to. */
  encrypt(plain: string, boundTo: string): string;
  /** Opens a token sealed for `boundTo`; throws for another owner, another key, or any change. */
  decrypt(sealed: string, boundTo: string): string;
}

const aad = (boundTo: string) => Buffer.from(`proviso-token:${boundTo}`, "utf8");

export function createTokenCipher(keyBase64: string): TokenCipher {
  const key = Buffer.from(keyBase64, "base64");
  if (key.length !== 32) throw new Error("TOKEN_ENCRYPTION_KEY must be 32 bytes, base64-encoded");
  return {
    encrypt(plain, boundTo) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(aad(boundTo));
      const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return `v2:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")}`;
    },
    decrypt(sealed, boundTo) {
      // v1 (no associated data) is refused: such a token could have been moved between links.
      if (!sealed.startsWith("v2:")) throw new Error("not a token sealed for a link (v2)");
      const raw = Buffer.from(sealed.slice(3), "base64");
      if (raw.length < IV_BYTES + TAG_BYTES) throw new Error("sealed token too short");
      const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(aad(boundTo));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
    },
  };
}

export function generateTokenKey(): string {
  return randomBytes(32).toString("base64");
}
