import "server-only";
import { keyringFromSettings, signerFromSettings, type Keyring, type Signer } from "@proviso/audit";
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

let evidence: { signer: Signer | null; trusted: Keyring } | undefined;

/** The audit checkpoint signer (a key, or a remote signer) and the keyring verification trusts. */
export function auditEvidence(): { signer: Signer | null; trusted: Keyring } {
  if (evidence) return evidence;
  const runtime = webEnv().runtime;
  const signer = signerFromSettings(runtime);
  evidence = { signer, trusted: keyringFromSettings(runtime, signer) };
  return evidence;
}
