// OAuth with the partner (Login with Amazon for Alexa): exchanging AcceptGrant's code, refreshing
// on 401, and storing tokens encrypted.
import type { TokenCipher } from "@proviso/core";
import { partnerLinks, type Executor } from "@proviso/db";
import { eq } from "drizzle-orm";

export interface TokenService {
  /** The partner's token endpoint (LWA: https://api.amazon.com/auth/o2/token; the sandbox plays it). */
  url: string;
  clientId: string;
  clientSecret: string;
  cipher: TokenCipher;
}

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
}

async function tokenRequest(svc: TokenService, form: Record<string, string>): Promise<Tokens> {
  const res = await fetch(svc.url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ ...form, client_id: svc.clientId, client_secret: svc.clientSecret }).toString(),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json().catch(() => ({}))) as { access_token?: string; refresh_token?: string; expires_in?: number; error?: string };
  if (!res.ok || !body.access_token || !body.refresh_token) {
    throw new Error(`token endpoint answered ${res.status}${body.error ? ` (${body.error})` : ""}`);
  }
  return { accessToken: body.access_token, refreshToken: body.refresh_token, expiresAt: new Date(Date.now() + (body.expires_in ?? 3600) * 1000) };
}

export const exchangeCode = (svc: TokenService, code: string) => tokenRequest(svc, { grant_type: "authorization_code", code });
export const refreshTokens = (svc: TokenService, refreshToken: string) => tokenRequest(svc, { grant_type: "refresh_token", refresh_token: refreshToken });

export async function storeTokens(db: Executor, svc: TokenService, linkId: string, t: Tokens) {
  await db
    .update(partnerLinks)
    .set({ accessTokenEnc: svc.cipher.encrypt(t.accessToken), refreshTokenEnc: svc.cipher.encrypt(t.refreshToken), tokenExpiresAt: t.expiresAt })
    .where(eq(partnerLinks.id, linkId));
}
