// The tokens platforms present for a link: looked up by hash, valid only while unexpired,
// unrevoked, of a client still enabled, and for a link still active. Unlinking and a platform's
// revocation end them at once.
import { oauthClients, oauthTokens, partnerLinks, type Executor } from "@proviso/db";
import { and, eq, isNull } from "drizzle-orm";
import { newSecret, secretHash } from "./secrets";

export const TOKEN_LIFETIME_SECONDS = { access: 3600, refresh: 180 * 86_400, code: 300 } as const;

export interface TokenHolder {
  linkId: string;
  partnerId: string;
  clientId: string;
}

/** The link an access token stands for, if it is valid now (and of `partnerId`, when given). */
export async function linkOfAccessToken(db: Executor, token: string, now = new Date(), partnerId?: string): Promise<TokenHolder | null> {
  if (!token) return null;
  const [row] = await db
    .select({
      linkId: oauthTokens.linkId,
      partnerId: oauthClients.partnerId,
      clientId: oauthTokens.clientId,
      expiresAt: oauthTokens.expiresAt,
      linkStatus: partnerLinks.status,
    })
    .from(oauthTokens)
    .innerJoin(oauthClients, eq(oauthClients.id, oauthTokens.clientId))
    .innerJoin(partnerLinks, eq(partnerLinks.id, oauthTokens.linkId))
    .where(and(eq(oauthTokens.tokenHash, secretHash(token)), eq(oauthTokens.kind, "access"), isNull(oauthTokens.revokedAt), isNull(oauthClients.disabledAt)));
  if (!row || row.expiresAt <= now || row.linkStatus !== "active") return null;
  if (partnerId !== undefined && row.partnerId !== partnerId) return null;
  return { linkId: row.linkId, partnerId: row.partnerId, clientId: row.clientId };
}

/** Every token of a link (of one client, when given) ends now. */
export async function revokeLinkTokens(db: Executor, linkId: string, now = new Date(), clientId?: string): Promise<number> {
  const rows = await db
    .update(oauthTokens)
    .set({ revokedAt: now })
    .where(and(eq(oauthTokens.linkId, linkId), isNull(oauthTokens.revokedAt), clientId ? eq(oauthTokens.clientId, clientId) : undefined))
    .returning({ hash: oauthTokens.tokenHash });
  return rows.length;
}

/** Stores a token (its hash) for a link. */
export async function saveLinkToken(
  db: Executor,
  kind: "access" | "refresh",
  token: string,
  opts: { linkId: string; clientId: string; expiresAt: Date; scope?: string[] },
) {
  await db
    .insert(oauthTokens)
    .values({ tokenHash: secretHash(token), kind, clientId: opts.clientId, linkId: opts.linkId, expiresAt: opts.expiresAt, scope: opts.scope ?? null });
}

/**
 * Issues an access and refresh token pair for a link straight away, as the code exchange would:
 * for links that exist before any platform linked them (the demo's seeded homes, tests).
 */
export async function issueLinkTokens(db: Executor, opts: { linkId: string; clientId: string; now?: Date }) {
  const now = opts.now ?? new Date();
  const accessToken = newSecret("access");
  const refreshToken = newSecret("refresh");
  const accessTokenExpiresAt = new Date(now.getTime() + TOKEN_LIFETIME_SECONDS.access * 1000);
  await saveLinkToken(db, "access", accessToken, { linkId: opts.linkId, clientId: opts.clientId, expiresAt: accessTokenExpiresAt });
  await saveLinkToken(db, "refresh", refreshToken, {
    linkId: opts.linkId,
    clientId: opts.clientId,
    expiresAt: new Date(now.getTime() + TOKEN_LIFETIME_SECONDS.refresh * 1000),
  });
  return { accessToken, refreshToken, accessTokenExpiresAt };
}
