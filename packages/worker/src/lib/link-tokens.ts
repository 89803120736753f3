// The tokens a platform granted us for a link (Alexa's from AcceptGrant, SmartThings' callback
// tokens), kept encrypted at rest and bound to the link; where a platform gave its own callback URLs,
// those too. A token about to expire is refreshed before it is used (Login with Amazon's last an hour).
import type { TokenCipher } from "@proviso/core";
import { partnerLinks, type Executor } from "@proviso/db";
import type { LinkInfo } from "@proviso/domain";
import type { CallbackUrls, GrantedTokens, PartnerAdapter } from "@proviso/partners";
import { eq } from "drizzle-orm";

export async function storeTokens(db: Executor, cipher: TokenCipher, linkId: string, t: GrantedTokens, callbackUrls?: CallbackUrls | null) {
  await db
    .update(partnerLinks)
    .set({
      accessTokenEnc: cipher.encrypt(t.accessToken, linkId),
      refreshTokenEnc: cipher.encrypt(t.refreshToken, linkId),
      tokenExpiresAt: t.expiresAt,
      ...(callbackUrls ? { callbackUrls } : {}),
    })
    .where(eq(partnerLinks.id, linkId));
}

/** The link's access token as stored now (another worker may have refreshed it since this one loaded it). */
export async function readAccessToken(db: Executor, cipher: TokenCipher, linkId: string): Promise<string | null> {
  const [row] = await db.select({ token: partnerLinks.accessTokenEnc }).from(partnerLinks).where(eq(partnerLinks.id, linkId));
  return row?.token ? cipher.decrypt(row.token, linkId) : null;
}

/** The link's tokens and their expiry as stored now, opened (null: none kept, or they will not open). */
export async function readTokens(
  db: Executor,
  cipher: TokenCipher,
  linkId: string,
): Promise<(Omit<GrantedTokens, "expiresAt"> & { expiresAt: Date | null }) | null> {
  const [row] = await db
    .select({ access: partnerLinks.accessTokenEnc, refresh: partnerLinks.refreshTokenEnc, expiresAt: partnerLinks.tokenExpiresAt })
    .from(partnerLinks)
    .where(eq(partnerLinks.id, linkId));
  if (!row?.access || !row.refresh) return null;
  try {
    return { accessToken: cipher.decrypt(row.access, linkId), refreshToken: cipher.decrypt(row.refresh, linkId), expiresAt: row.expiresAt };
  } catch {
    return null;
  }
}

/** How long before its expiry a platform token is refreshed rather than used. */
export const REFRESH_AHEAD_MS = 5 * 60_000;

/**
 * The link as it should be called: where the platform grants refreshable tokens and the one held
 * expires within REFRESH_AHEAD_MS, the one stored now if another worker refreshed it meanwhile,
 * else a refreshed one (stored for every worker). `inFlight` shares one refresh among the messages
 * of a round for the same link. A refresh that fails throws: the attempt fails and is retried.
 */
export async function beforeExpiry(
  db: Executor,
  cipher: TokenCipher | null | undefined,
  adapter: PartnerAdapter,
  link: LinkInfo,
  now: number,
  inFlight?: Map<string, Promise<LinkInfo>>,
): Promise<LinkInfo> {
  if (!cipher || !adapter.credentials || !link.refreshToken || link.tokenExpiresAt == null || link.tokenExpiresAt - now > REFRESH_AHEAD_MS) return link;
  const pending = inFlight?.get(link.linkId);
  if (pending) return pending;
  const credentials = adapter.credentials;
  const refresh = (async () => {
    const stored = await readTokens(db, cipher, link.linkId);
    if (stored?.expiresAt && stored.expiresAt.getTime() - now > REFRESH_AHEAD_MS)
      return { ...link, accessToken: stored.accessToken, refreshToken: stored.refreshToken, tokenExpiresAt: stored.expiresAt.getTime() };
    const fresh = await credentials.refresh(stored?.refreshToken ?? link.refreshToken!, link);
    await storeTokens(db, cipher, link.linkId, fresh);
    return { ...link, accessToken: fresh.accessToken, refreshToken: fresh.refreshToken, tokenExpiresAt: fresh.expiresAt.getTime() };
  })();
  inFlight?.set(link.linkId, refresh);
  return refresh;
}
