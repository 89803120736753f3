import "server-only";
import {
  keyringFromSettings,
  signerFromSettings,
  timestampAuthoritiesFromSettings,
  witnessesFromSettings,
  type Keyring,
  type Signer,
  type TimestampAuthority,
  type Witness,
} from "@proviso/audit";
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

type Evidence = { signer: Signer | null; trusted: Keyring; authorities: TimestampAuthority[]; witnesses: Witness[] };
let evidence: Evidence | undefined;

/** The audit checkpoint signer (a key, or a remote signer), the keyring verification trusts, and the time-stamp authorities. */
export function auditEvidence(): Evidence {
  if (evidence) return evidence;
  const runtime = webEnv().runtime;
  const signer = signerFromSettings(runtime);
  evidence = {
    signer,
    trusted: keyringFromSettings(runtime, signer),
    authorities: timestampAuthoritiesFromSettings(runtime),
    witnesses: witnessesFromSettings(runtime),
  };
  return evidence;
}
