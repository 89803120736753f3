// An OAuth 2 token endpoint as a client calls it (form-encoded, RFC 6749 §4.1.3 and §6): how we
// exchange a code a platform granted us, and refresh what it gave.
import type { GrantedTokens } from "./types";

export interface OAuthClient {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
}

export async function tokenRequest(client: OAuthClient, form: Record<string, string>): Promise<GrantedTokens> {
  const res = await fetch(client.tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ ...form, client_id: client.clientId, client_secret: client.clientSecret }).toString(),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json().catch(() => ({}))) as { access_token?: string; refresh_token?: string; expires_in?: number; error?: string };
  if (!res.ok || !body.access_token || !body.refresh_token) {
    throw new Error(`token endpoint answered ${res.status}${body.error ? ` (${body.error})` : ""}`);
  }
  return { accessToken: body.access_token, refreshToken: body.refresh_token, expiresAt: new Date(Date.now() + (body.expires_in ?? 3600) * 1000) };
}
