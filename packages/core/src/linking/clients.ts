// Each platform's OAuth client: registered by the maker's operators (`npm run partners -- client`),
// its secret shown once and kept as a hash; registering again rotates the secret, and the one it
// replaces is still accepted for an overlap window (the platform's console takes a while to update).
import { oauthClients, partners, type Executor } from "@proviso/db";
import { eq } from "drizzle-orm";
import { AppError } from "../errors";
import { newSecret, secretHash } from "./secrets";

export interface RegisteredClient {
  clientId: string;
  clientSecret: string;
  partnerId: string;
  redirectUris: string[];
}

function checkRedirectUri(uri: string) {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new AppError("INVALID", `redirect URI is not a URL: ${uri}`);
  }
  const loopback = url.hostname === "localhost" || url.hostname === "127.0.0.1";
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback))
    throw new AppError("INVALID", `redirect URI must be https (or http on loopback): ${uri}`);
  if (url.hash) throw new AppError("INVALID", `redirect URI may not carry a fragment: ${uri}`);
}

export const DEFAULT_CLIENT_SECRET_OVERLAP_HOURS = 24;

/**
 * Registers a platform's client, or gives an existing one a new secret and these redirect URIs;
 * its old secret is still accepted for `overlapHours` (0: at once refused).
 */
export async function registerOAuthClient(
  db: Executor,
  opts: {
    partnerId: string;
    clientId?: string;
    redirectUris: string[];
    requirePkce?: boolean;
    overlapHours?: number;
    now?: Date;
  },
): Promise<RegisteredClient & { previousSecretExpiresAt: Date | null }> {
  const [partner] = await db.select({ id: partners.id }).from(partners).where(eq(partners.id, opts.partnerId));
  if (!partner) throw new AppError("NOT_FOUND", `no partner ${opts.partnerId}`);
  // A client without redirect URIs cannot link homes (no authorize request names one of its own): it calls the partner API only.
  opts.redirectUris.forEach(checkRedirectUri);
  const clientId = opts.clientId ?? `${opts.partnerId}-${newSecret("code").slice(4, 14).toLowerCase()}`;
  const overlapHours = opts.overlapHours ?? DEFAULT_CLIENT_SECRET_OVERLAP_HOURS;
  if (!Number.isFinite(overlapHours) || overlapHours < 0 || overlapHours > 24 * 90)
    throw new AppError("INVALID", "the overlap is between 0 and 2160 hours (90 days)");
  const [existing] = await db
    .select({
      partnerId: oauthClients.partnerId,
      secretHash: oauthClients.secretHash,
      disabledAt: oauthClients.disabledAt,
      redirectUris: oauthClients.redirectUris,
    })
    .from(oauthClients)
    .where(eq(oauthClients.id, clientId));
  if (existing && existing.partnerId !== opts.partnerId) throw new AppError("CONFLICT", `client ${clientId} belongs to another partner`);
  const clientSecret = newSecret("clientSecret");
  // A withdrawn client's old secret is not brought back; an active one's is kept for the overlap.
  const keepOld = existing && !existing.disabledAt && overlapHours > 0;
  const previousSecretExpiresAt = keepOld ? new Date((opts.now ?? new Date()).getTime() + overlapHours * 3_600_000) : null;
  const values = {
    secretHash: secretHash(clientSecret),
    previousSecretHash: keepOld ? existing.secretHash : null,
    previousSecretExpiresAt,
    // A new secret alone keeps the redirect URIs the client has.
    redirectUris: opts.redirectUris.length === 0 && existing ? existing.redirectUris : opts.redirectUris,
    requirePkce: opts.requirePkce ?? true,
    disabledAt: null,
  };
  await db
    .insert(oauthClients)
    .values({ id: clientId, partnerId: opts.partnerId, ...values })
    .onConflictDoUpdate({ target: oauthClients.id, set: values });
  return { clientId, clientSecret, partnerId: opts.partnerId, redirectUris: values.redirectUris, previousSecretExpiresAt };
}

/** Where a homeowner starts linking the platform (its app's page for Proviso): the dashboard's "Link" goes there. */
export async function setPartnerLinkUrl(db: Executor, partnerId: string, linkUrl: string | null): Promise<void> {
  if (linkUrl !== null) checkRedirectUri(linkUrl);
  const done = await db.update(partners).set({ linkUrl }).where(eq(partners.id, partnerId)).returning({ id: partners.id });
  if (done.length === 0) throw new AppError("NOT_FOUND", `no partner ${partnerId}`);
}
