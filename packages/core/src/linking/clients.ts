// Each platform's OAuth client: registered by the maker's operators (`npm run partners -- client`),
// its secret shown once and kept as a hash; registering again rotates the secret.
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

/** Registers a platform's client, or gives an existing one a new secret and these redirect URIs. */
export async function registerOAuthClient(
  db: Executor,
  opts: { partnerId: string; clientId?: string; redirectUris: string[]; requirePkce?: boolean },
): Promise<RegisteredClient> {
  const [partner] = await db.select({ id: partners.id }).from(partners).where(eq(partners.id, opts.partnerId));
  if (!partner) throw new AppError("NOT_FOUND", `no partner ${opts.partnerId}`);
  if (opts.redirectUris.length === 0) throw new AppError("INVALID", "a client needs at least one redirect URI");
  opts.redirectUris.forEach(checkRedirectUri);
  const clientId = opts.clientId ?? `${opts.partnerId}-${newSecret("code").slice(4, 14).toLowerCase()}`;
  const [existing] = await db.select({ partnerId: oauthClients.partnerId }).from(oauthClients).where(eq(oauthClients.id, clientId));
  if (existing && existing.partnerId !== opts.partnerId) throw new AppError("CONFLICT", `client ${clientId} belongs to another partner`);
  const clientSecret = newSecret("clientSecret");
  const values = { secretHash: secretHash(clientSecret), redirectUris: opts.redirectUris, requirePkce: opts.requirePkce ?? true, disabledAt: null };
  await db
    .insert(oauthClients)
    .values({ id: clientId, partnerId: opts.partnerId, ...values })
    .onConflictDoUpdate({ target: oauthClients.id, set: values });
  return { clientId, clientSecret, partnerId: opts.partnerId, redirectUris: opts.redirectUris };
}
