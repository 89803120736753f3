// The secrets account linking hands out (client secrets, codes, tokens): 256 random bits behind a
// prefix that says what each is, and their SHA-256, which is all that is kept.
import { createHash, randomBytes } from "node:crypto";

export const SECRET_PREFIX = { clientSecret: "pcs_", code: "pac_", access: "pat_", refresh: "prt_" } as const;

export function newSecret(kind: keyof typeof SECRET_PREFIX): string {
  return `${SECRET_PREFIX[kind]}${randomBytes(32).toString("base64url")}`;
}

/** SHA-256, hex: what the tables hold in place of a secret. */
export function secretHash(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}
