import "server-only";
import { signerFromSeed, type Signer } from "@proviso/audit";
import { loadRuntimeConfig, type RuntimeConfig } from "@proviso/config";

export interface WebEnv {
  runtime: RuntimeConfig;
  authSecret: string;
}

let cached: WebEnv | undefined;

/** Read once, on first use (never at import: `next build` imports this module). */
export function webEnv(): WebEnv {
  if (cached) return cached;
  const runtime = loadRuntimeConfig(process.env);
  const authSecret = process.env.AUTH_SECRET;
  if (!authSecret || authSecret.length < 32) {
    throw new Error("AUTH_SECRET must be set to at least 32 characters (npm start generates one under .data/)");
  }
  cached = { runtime, authSecret };
  return cached;
}

let signer: Signer | null | undefined;

/** The audit checkpoint signer (AUDIT_SIGNING_KEY), or null when none is configured. */
export function auditSigner(): Signer | null {
  if (signer !== undefined) return signer;
  const seed = webEnv().runtime.AUDIT_SIGNING_KEY;
  signer = seed ? signerFromSeed(seed) : null;
  return signer;
}
