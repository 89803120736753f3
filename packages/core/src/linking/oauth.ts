// Proviso as the OAuth 2.0 authorization server for account linking, on @node-oauth/oauth2-server
// (authorization code with PKCE, refresh tokens that rotate): this module is its model, on the
// linking tables, and the three calls the web app makes of it: issuing a code once a homeowner
// approved, the token endpoint, and revocation (RFC 7009). The user a code and its tokens stand
// for is the link the approval created.
import { oauthClients, oauthCodes, oauthTokens, type Executor } from "@proviso/db";
import OAuth2Server from "@node-oauth/oauth2-server";
import { and, eq, isNull } from "drizzle-orm";
import { timingSafeEqual } from "node:crypto";
import { newSecret, secretHash } from "./secrets";
import { revokeLinkTokens, saveLinkToken, TOKEN_LIFETIME_SECONDS } from "./tokens";

const { Request, Response, OAuthError } = OAuth2Server;
type Client = OAuth2Server.Client & { partnerId: string; requirePkce: boolean };
type LinkUser = { linkId: string };

const sameHash = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** The client's secret, or the one a rotation replaced while its overlap lasts. */
function secretMatches(row: typeof oauthClients.$inferSelect, given: string, now: Date): boolean {
  if (sameHash(row.secretHash, given)) return true;
  return (
    row.previousSecretHash !== null && row.previousSecretExpiresAt !== null && row.previousSecretExpiresAt > now && sameHash(row.previousSecretHash, given)
  );
}

/** The client, if enabled (and, when a secret is given, only if it is the client's). */
export async function findClient(db: Executor, clientId: string, clientSecret?: string | null): Promise<Client | null> {
  const [row] = await db
    .select()
    .from(oauthClients)
    .where(and(eq(oauthClients.id, clientId), isNull(oauthClients.disabledAt)));
  if (!row) return null;
  if (clientSecret !== undefined && clientSecret !== null && !secretMatches(row, secretHash(clientSecret), new Date())) return null;
  return {
    id: row.id,
    partnerId: row.partnerId,
    redirectUris: row.redirectUris,
    requirePkce: row.requirePkce,
    grants: ["authorization_code", "refresh_token"],
    accessTokenLifetime: TOKEN_LIFETIME_SECONDS.access,
    refreshTokenLifetime: TOKEN_LIFETIME_SECONDS.refresh,
  };
}

function model(db: Executor): OAuth2Server.AuthorizationCodeModel & OAuth2Server.RefreshTokenModel {
  return {
    getClient: async (clientId, clientSecret) => (await findClient(db, clientId, clientSecret)) ?? false,
    generateAuthorizationCode: async () => newSecret("code"),
    generateAccessToken: async () => newSecret("access"),
    generateRefreshToken: async () => newSecret("refresh"),
    async saveAuthorizationCode(code, client, user) {
      await db.insert(oauthCodes).values({
        codeHash: secretHash(code.authorizationCode),
        clientId: client.id,
        linkId: (user as LinkUser).linkId,
        redirectUri: code.redirectUri,
        codeChallenge: code.codeChallenge ?? null,
        codeChallengeMethod: code.codeChallengeMethod ?? null,
        scope: code.scope ?? null,
        expiresAt: code.expiresAt,
      });
      return { ...code, client, user };
    },
    async getAuthorizationCode(authorizationCode) {
      const [row] = await db
        .select()
        .from(oauthCodes)
        .where(eq(oauthCodes.codeHash, secretHash(authorizationCode)));
      const client = row ? await findClient(db, row.clientId) : null;
      if (!row || !client) return false;
      return {
        authorizationCode,
        expiresAt: row.expiresAt,
        redirectUri: row.redirectUri,
        scope: row.scope ?? undefined,
        client,
        user: { linkId: row.linkId },
        ...(row.codeChallenge ? { codeChallenge: row.codeChallenge, codeChallengeMethod: row.codeChallengeMethod ?? "plain" } : {}),
      };
    },
    // A code is used once: deleted as it is redeemed (or as a PKCE check fails on it).
    async revokeAuthorizationCode(code) {
      const gone = await db
        .delete(oauthCodes)
        .where(eq(oauthCodes.codeHash, secretHash(code.authorizationCode)))
        .returning({ h: oauthCodes.codeHash });
      return gone.length === 1;
    },
    async saveToken(token, client, user) {
      const linkId = (user as LinkUser).linkId;
      await saveLinkToken(db, "access", token.accessToken, { linkId, clientId: client.id, expiresAt: token.accessTokenExpiresAt!, scope: token.scope });
      if (token.refreshToken)
        await saveLinkToken(db, "refresh", token.refreshToken, { linkId, clientId: client.id, expiresAt: token.refreshTokenExpiresAt!, scope: token.scope });
      return { ...token, client, user };
    },
    async getAccessToken() {
      return false; // partner requests check access tokens with linkOfAccessToken, not through the library
    },
    async getRefreshToken(refreshToken) {
      const [row] = await db
        .select()
        .from(oauthTokens)
        .where(and(eq(oauthTokens.tokenHash, secretHash(refreshToken)), eq(oauthTokens.kind, "refresh")));
      if (!row) return false;
      if (row.revokedAt) {
        // A refresh token used twice was copied: whoever holds the link's tokens now loses them all.
        await revokeLinkTokens(db, row.linkId, new Date(), row.clientId);
        return false;
      }
      const client = await findClient(db, row.clientId);
      if (!client) return false;
      return { refreshToken, refreshTokenExpiresAt: row.expiresAt, scope: row.scope ?? undefined, client, user: { linkId: row.linkId } };
    },
    async revokeToken(token) {
      const done = await db
        .update(oauthTokens)
        .set({ revokedAt: new Date() })
        .where(and(eq(oauthTokens.tokenHash, secretHash(token.refreshToken)), isNull(oauthTokens.revokedAt)))
        .returning({ h: oauthTokens.tokenHash });
      return done.length === 1;
    },
    async validateScope(_user, _client, scope) {
      return scope ?? [];
    },
  };
}

export interface OAuthAnswer {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

function errorAnswer(err: unknown): OAuthAnswer {
  if (err instanceof OAuthError) {
    return { status: err.code, headers: { "cache-control": "no-store" }, body: { error: err.name, error_description: err.message } };
  }
  throw err;
}

/** What an authorize request asks, checked before a homeowner is shown anything. */
export interface AuthorizeRequest {
  client: Client;
  redirectUri: string;
  state: string;
  params: Record<string, string>;
}

/**
 * Checks an authorize request's client, redirect URI (an exact registered match), response type,
 * state and PKCE challenge. A request failing here is shown as an error, never redirected: its
 * redirect URI cannot be trusted.
 */
export async function checkAuthorizeRequest(db: Executor, params: Record<string, string | undefined>): Promise<AuthorizeRequest | { error: string }> {
  const client = params.client_id ? await findClient(db, params.client_id) : null;
  if (!client) return { error: "The platform asking is not one Proviso knows (unknown client)." };
  const redirectUri = params.redirect_uri ?? "";
  if (!(client.redirectUris as string[]).includes(redirectUri)) return { error: "The platform asked to be sent back to an address it has not registered." };
  if (params.response_type !== "code") return { error: "Only the authorization code flow is supported (response_type=code)." };
  if (!params.state) return { error: "The request carries no state." };
  if (client.requirePkce && (!params.code_challenge || params.code_challenge_method !== "S256"))
    return { error: "The request carries no PKCE challenge (code_challenge with code_challenge_method=S256)." };
  const kept = ["response_type", "client_id", "redirect_uri", "state", "scope", "code_challenge", "code_challenge_method"];
  return {
    client,
    redirectUri,
    state: params.state,
    params: Object.fromEntries(kept.filter((k) => params[k] !== undefined).map((k) => [k, params[k]!])),
  };
}

/** Once a homeowner approved: a code for the link, and where to send the browser with it. */
export async function issueAuthorizationCode(db: Executor, params: Record<string, string>, linkId: string): Promise<string> {
  const server = new OAuth2Server({ model: model(db), authorizationCodeLifetime: TOKEN_LIFETIME_SECONDS.code });
  const request = new Request({ method: "GET", headers: {}, query: params, body: {} });
  const response = new Response({ headers: {} });
  await server.authorize(request, response, { authenticateHandler: { handle: () => ({ linkId }) as LinkUser } });
  return response.headers!.location as string;
}

/** Where to send the browser when the homeowner cancels: the platform hears access_denied. */
export function deniedRedirect(req: AuthorizeRequest): string {
  const url = new URL(req.redirectUri);
  url.searchParams.set("error", "access_denied");
  url.searchParams.set("state", req.state);
  return url.toString();
}

/** The token endpoint (authorization_code, refresh_token): form fields and headers in, the answer out. */
export async function tokenEndpoint(db: Executor, form: Record<string, string>, headers: Record<string, string>): Promise<OAuthAnswer> {
  const server = new OAuth2Server({
    model: model(db),
    accessTokenLifetime: TOKEN_LIFETIME_SECONDS.access,
    refreshTokenLifetime: TOKEN_LIFETIME_SECONDS.refresh,
  });
  // The form is parsed already; its length tells the library (type-is) that the request had a body.
  const length = String(new URLSearchParams(form).toString().length);
  const request = new Request({
    method: "POST",
    headers: { ...headers, "content-type": "application/x-www-form-urlencoded", "content-length": length },
    query: {},
    body: form,
  });
  const response = new Response({ headers: {} });
  try {
    await server.token(request, response, { requireClientAuthentication: { authorization_code: true, refresh_token: true } });
    return { status: response.status ?? 200, headers: { "cache-control": "no-store", pragma: "no-cache" }, body: response.body as Record<string, unknown> };
  } catch (err) {
    return errorAnswer(err);
  }
}

/** The client named by Basic authentication or by client_id and client_secret in the form. */
export function clientCredentials(form: Record<string, string>, headers: Record<string, string>): { id: string; secret: string } | null {
  const basic = /^Basic (.+)$/i.exec(headers.authorization ?? "");
  if (basic) {
    const [id, secret] = Buffer.from(basic[1]!, "base64").toString("utf8").split(":");
    try {
      return id && secret ? { id: decodeURIComponent(id), secret: decodeURIComponent(secret) } : null;
    } catch {
      return null; // not percent-encoded as RFC 6749 asks: no client
    }
  }
  return form.client_id && form.client_secret ? { id: form.client_id, secret: form.client_secret } : null;
}

/**
 * Revocation (RFC 7009): a platform ends a token it holds, and with it every token it holds for
 * that link. Answered 200 whether or not the token was known; a token of another client is left alone.
 */
export async function revocationEndpoint(db: Executor, form: Record<string, string>, headers: Record<string, string>): Promise<OAuthAnswer> {
  const creds = clientCredentials(form, headers);
  const client = creds ? await findClient(db, creds.id, creds.secret) : null;
  if (!client) return { status: 401, headers: { "www-authenticate": 'Basic realm="proviso"' }, body: { error: "invalid_client" } };
  if (!form.token) return { status: 400, headers: {}, body: { error: "invalid_request", error_description: "token is required" } };
  const [row] = await db
    .select({ linkId: oauthTokens.linkId, clientId: oauthTokens.clientId })
    .from(oauthTokens)
    .where(eq(oauthTokens.tokenHash, secretHash(form.token)));
  if (row && row.clientId === client.id) await revokeLinkTokens(db, row.linkId, new Date(), client.id);
  return { status: 200, headers: { "cache-control": "no-store" }, body: {} };
}
