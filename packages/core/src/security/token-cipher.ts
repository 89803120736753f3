// Partner tokens are encrypted at rest: AES-256-GCM with a key from configuration
// (TOKEN_ENCRYPTION_KEY, 32 bytes base64; npm start generates one under .data/).
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

export interface TokenCipher {
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
}

export function createTokenCipher(keyBase64: string): TokenCipher {
  const key = Buffer.from(keyBase64, "base64");
  if (key.length !== 32) throw new Error("TOKEN_ENCRYPTION_KEY must be 32 bytes, base64-encoded");
  return {
    encrypt(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return `v1:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")}`;
    },
    decrypt(sealed) {
      if (!sealed.startsWith("v1:")) throw new Error("not an encrypted token");
      const raw = Buffer.from(sealed.slice(3), "base64");
      const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
    },
  };
}

export function generateTokenKey(): string {
  return randomBytes(32).toString("base64");
}
