// The tokens a platform granted us for a link (Alexa's from AcceptGrant, SmartThings' callback
// tokens), kept encrypted at rest and bound to the link; where a platform gave its own callback URLs, those too.
import type { TokenCipher } from "@proviso/core";
import { partnerLinks, type Executor } from "@proviso/db";
import type { CallbackUrls, GrantedTokens } from "@proviso/partners";
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
