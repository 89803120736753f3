// What each platform holds after account linking with Proviso: per user account, the access and
// refresh tokens Proviso's authorization server issued. The sandbox uses them for everything it
// asks afterwards (Google's SYNC after a requestSync, SmartThings' interactions, requests a test
// asks it to make), refreshing at Proviso's token endpoint as a platform does before expiry.
export interface LinkedAccount {
  /** The partner whose side this is (google-home, alexa, smartthings). */
  partner: string;
  /** The platform's id for the user: Google's agentUserId (the link's external account id). */
  accountId: string;
  accessToken: string;
  refreshToken: string;
  /** ms since the epoch. */
  expiresAt: number;
}

/** Proviso's authorization server as each platform is registered with it. */
export interface LinkingOptions {
  /** Proviso's authorize page and token endpoint. */
  authorizeUrl: string;
  tokenUrl: string;
  /** Per partner, the OAuth client Proviso registered for it. */
  clients: Record<string, { clientId: string; clientSecret: string }>;
}

const key = (partner: string, accountId: string) => `${partner}\u0000${accountId}`;

export class Accounts {
  private readonly byKey = new Map<string, LinkedAccount>();

  set(a: LinkedAccount) {
    this.byKey.set(key(a.partner, a.accountId), a);
  }
  get(partner: string, accountId: string): LinkedAccount | undefined {
    return this.byKey.get(key(partner, accountId));
  }
  list(partner?: string): LinkedAccount[] {
    return [...this.byKey.values()].filter((a) => !partner || a.partner === partner);
  }
  delete(partner: string, accountId: string) {
    this.byKey.delete(key(partner, accountId));
  }
}

/** Exchanges at Proviso's token endpoint as the partner's client: a code (with its PKCE verifier) or a refresh token. */
export async function requestTokens(
  linking: LinkingOptions,
  partner: string,
  form: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const client = linking.clients[partner];
  if (!client) return { status: 0, body: { error: `no client registered for ${partner}` } };
  const basic = Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString("base64");
  try {
    const res = await fetch(linking.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${basic}` },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
  } catch (err) {
    return { status: 0, body: { error: (err as Error).message } };
  }
}

/** The account's access token, refreshed first when it expires within a minute (the refresh token rotates). */
export async function accessTokenOf(linking: LinkingOptions | undefined, account: LinkedAccount): Promise<string> {
  if (!linking || account.expiresAt - Date.now() > 60_000) return account.accessToken;
  const answer = await requestTokens(linking, account.partner, { grant_type: "refresh_token", refresh_token: account.refreshToken });
  const b = answer.body as { access_token?: string; refresh_token?: string; expires_in?: number };
  if (answer.status !== 200 || !b.access_token || !b.refresh_token) return account.accessToken;
  account.accessToken = b.access_token;
  account.refreshToken = b.refresh_token;
  account.expiresAt = Date.now() + (b.expires_in ?? 3600) * 1000;
  return account.accessToken;
}
