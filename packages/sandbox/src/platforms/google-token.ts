// Google's OAuth token endpoint for service accounts, as the sandbox plays it: a JWT assertion
// (RS256) is checked against the service account's public key, its issuer, audience, scope and
// expiry, and answered with an access token; Home Graph then accepts only tokens issued here.
import { createPublicKey, createVerify, randomUUID, type KeyObject } from "node:crypto";
import type { Answer, Context, GoogleServiceAccount } from "../platform";

const AUDIENCE = "https://oauth2.googleapis.com/token";
const SCOPE = "https://www.googleapis.com/auth/homegraph";
/** Access tokens this endpoint issued: token → expiry (ms). */
export const issuedGoogleTokens = new WeakMap<object, Map<string, number>>();

const b64json = (part: string) => JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;

function checkAssertion(assertion: string, account: GoogleServiceAccount, key: KeyObject, now: number): string | null {
  const parts = assertion.split(".");
  if (parts.length !== 3) return "the assertion is not a JWT";
  const [header, payload, signature] = parts as [string, string, string];
  let h: Record<string, unknown>, p: Record<string, unknown>;
  try {
    h = b64json(header);
    p = b64json(payload);
  } catch {
    return "the assertion is not a JWT";
  }
  if (h.alg !== "RS256") return "the assertion is not signed with RS256";
  const ok = createVerify("RSA-SHA256").update(`${header}.${payload}`).verify(key, Buffer.from(signature, "base64url"));
  if (!ok) return "the assertion's signature does not verify with the service account's key";
  if (p.iss !== account.clientEmail) return "the assertion's issuer is not the service account";
  if (p.aud !== AUDIENCE) return "the assertion's audience is not Google's token endpoint";
  if (typeof p.exp !== "number" || p.exp * 1000 < now) return "the assertion has expired";
  if (
    !String(p.scope ?? "")
      .split(" ")
      .includes(SCOPE)
  )
    return "the assertion does not ask for the Home Graph scope";
  return null;
}

export function googleTokenEndpoint(ctx: Context, raw: string): Answer {
  const account = ctx.options.googleServiceAccount;
  if (!account) return { status: 404, body: { error: "the sandbox was started without a Google service account" } };
  const form = new URLSearchParams(raw);
  if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") return { status: 400, body: { error: "unsupported_grant_type" } };
  const refused = checkAssertion(form.get("assertion") ?? "", account, createPublicKey(account.publicKey), Date.now());
  if (refused) return { status: 400, body: { error: "invalid_grant", error_description: refused } };
  const token = `ya29.sandbox-${randomUUID()}`;
  const issued = issuedGoogleTokens.get(ctx.recorder) ?? new Map<string, number>();
  issuedGoogleTokens.set(ctx.recorder, issued);
  issued.set(token, Date.now() + 3600_000);
  return { status: 200, body: { access_token: token, expires_in: 3600, token_type: "Bearer" } };
}

/** Whether Home Graph accepts this bearer: any, without a service account configured; else only a live token issued above. */
export function googleBearerAccepted(ctx: Context, bearer: string): boolean {
  if (!ctx.options.googleServiceAccount) return true;
  const expires = issuedGoogleTokens.get(ctx.recorder)?.get(bearer);
  return expires !== undefined && expires > Date.now();
}
