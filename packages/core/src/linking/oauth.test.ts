// Account linking as an OAuth 2 server: codes need PKCE and the registered redirect URI, tokens are
// kept only as hashes, bound to one link and one platform, expire, rotate and can be revoked.
import { createTestDatabase, type TestDatabase } from "@proviso/db/testing";
import { seed, stableId } from "@proviso/seed";
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unlinkPartner } from "../homes/unlink-partner";
import { approveLinking } from "./approve";
import { registerOAuthClient, type RegisteredClient } from "./clients";
import { checkAuthorizeRequest, revocationEndpoint, tokenEndpoint } from "./oauth";
import { secretHash } from "./secrets";
import { linkOfAccessToken } from "./tokens";

let t: TestDatabase;
let google: RegisteredClient;
let alexa: RegisteredClient;
const home = stableId("home:0");
const owner = stableId("user:homeowner@proviso.test");
const REDIRECT = "https://sandbox.example/google/callback";
const now = () => new Date();

beforeAll(async () => {
  t = await createTestDatabase();
  await seed(t.db, { homes: 2, now: new Date("2026-11-24T00:00:00Z") });
  google = await registerOAuthClient(t.db, { partnerId: "google-home", redirectUris: [REDIRECT] });
  alexa = await registerOAuthClient(t.db, { partnerId: "alexa", redirectUris: ["https://sandbox.example/alexa/callback"] });
});
afterAll(() => t?.close());

function pkce() {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

function authorizeParams(client: RegisteredClient, challenge: string, redirectUri = client.redirectUris[0]!) {
  return {
    response_type: "code",
    client_id: client.clientId,
    redirect_uri: redirectUri,
    state: "st-1",
    code_challenge: challenge,
    code_challenge_method: "S256",
  };
}

/** A homeowner approves: the code the platform is sent back with. */
async function approve(client: RegisteredClient, challenge: string): Promise<string> {
  const { redirectTo } = await approveLinking(t.db, { userId: owner, homeId: home, params: authorizeParams(client, challenge), choices: {}, now: now() });
  const url = new URL(redirectTo);
  expect(`${url.origin}${url.pathname}`).toBe(client.redirectUris[0]);
  expect(url.searchParams.get("state")).toBe("st-1");
  return url.searchParams.get("code")!;
}

const exchange = (client: RegisteredClient, form: Record<string, string>) =>
  tokenEndpoint(t.db, { client_id: client.clientId, client_secret: client.clientSecret, ...form }, {});

async function linkTokens(client = google) {
  const { verifier, challenge } = pkce();
  const code = await approve(client, challenge);
  const answer = await exchange(client, { grant_type: "authorization_code", code, redirect_uri: client.redirectUris[0]!, code_verifier: verifier });
  expect(answer.body).toEqual(expect.objectContaining({ token_type: "Bearer" }));
  return answer.body as { access_token: string; refresh_token: string; expires_in: number; token_type: string };
}

describe("authorize requests", () => {
  it("are refused for an unknown client, an unregistered redirect URI, or without a PKCE challenge", async () => {
    const { challenge } = pkce();
    const ok = authorizeParams(google, challenge);
    expect("client" in (await checkAuthorizeRequest(t.db, ok))).toBe(true);
    expect(await checkAuthorizeRequest(t.db, { ...ok, client_id: "made-up" })).toEqual({ error: expect.stringMatching(/unknown client/) });
    expect(await checkAuthorizeRequest(t.db, { ...ok, redirect_uri: "https://attacker.example/cb" })).toEqual({
      error: expect.stringMatching(/not registered/),
    });
    expect(await checkAuthorizeRequest(t.db, { ...ok, redirect_uri: `${REDIRECT}/..` })).toEqual({ error: expect.stringMatching(/not registered/) });
    expect(await checkAuthorizeRequest(t.db, { ...ok, code_challenge: undefined })).toEqual({ error: expect.stringMatching(/PKCE/) });
    expect(await checkAuthorizeRequest(t.db, { ...ok, code_challenge_method: "plain" })).toEqual({ error: expect.stringMatching(/PKCE/) });
    await expect(
      approveLinking(t.db, { userId: owner, homeId: home, params: { ...ok, redirect_uri: "https://attacker.example/cb" }, choices: {}, now: now() }),
    ).rejects.toThrow(/not registered/);
  });
});

describe("the code exchange", () => {
  it("issues opaque tokens for the link, kept only as hashes", async () => {
    const tokens = await linkTokens();
    expect(tokens.token_type).toBe("Bearer");
    expect(tokens.expires_in).toBeLessThanOrEqual(3600);
    expect(tokens.access_token).toMatch(/^pat_[A-Za-z0-9_-]{43}$/);
    expect(await linkOfAccessToken(t.db, tokens.access_token)).toEqual({
      linkId: stableId("link:0:google-home"),
      partnerId: "google-home",
      clientId: google.clientId,
    });
    const stored = await t.pool.query(
      "select token_hash from oauth_tokens union all select code_hash from oauth_codes union all select secret_hash from oauth_clients",
    );
    const values = stored.rows.map((r) => r.token_hash as string);
    expect(values).toContain(secretHash(tokens.access_token));
    expect(values).toContain(secretHash(tokens.refresh_token));
    for (const plain of [tokens.access_token, tokens.refresh_token, google.clientSecret]) expect(JSON.stringify(values)).not.toContain(plain);
  });

  it("refuses a PKCE verifier that does not match, and the code is spent by the attempt", async () => {
    const { verifier, challenge } = pkce();
    const code = await approve(google, challenge);
    const wrong = await exchange(google, { grant_type: "authorization_code", code, redirect_uri: REDIRECT, code_verifier: pkce().verifier });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe("invalid_grant");
    const late = await exchange(google, { grant_type: "authorization_code", code, redirect_uri: REDIRECT, code_verifier: verifier });
    expect(late.body.error).toBe("invalid_grant");
  });

  it("refuses a redirect URI other than the code's, another client's code, a wrong secret and a replayed code", async () => {
    const { verifier, challenge } = pkce();
    const code = await approve(google, challenge);
    const other = await exchange(google, { grant_type: "authorization_code", code, redirect_uri: "https://sandbox.example/other", code_verifier: verifier });
    expect(other.status).toBe(400);
    const { verifier: v2, challenge: c2 } = pkce();
    const code2 = await approve(google, c2);
    expect((await exchange(alexa, { grant_type: "authorization_code", code: code2, redirect_uri: REDIRECT, code_verifier: v2 })).body.error).toBe(
      "invalid_grant",
    );
    const badSecret = await tokenEndpoint(t.db, { client_id: google.clientId, client_secret: "pcs_guess", grant_type: "authorization_code", code: code2 }, {});
    expect(badSecret.body.error).toBe("invalid_client");
    const { verifier: v3, challenge: c3 } = pkce();
    const code3 = await approve(google, c3);
    const form = { grant_type: "authorization_code", code: code3, redirect_uri: REDIRECT, code_verifier: v3 };
    expect((await exchange(google, form)).status).toBe(200);
    expect((await exchange(google, form)).body.error).toBe("invalid_grant");
  });
});

describe("tokens", () => {
  it("a guessed token, an expired one, or one presented for another platform stand for no link", async () => {
    const tokens = await linkTokens();
    expect(await linkOfAccessToken(t.db, "pat_" + randomBytes(32).toString("base64url"))).toBeNull();
    expect(await linkOfAccessToken(t.db, tokens.access_token, new Date(Date.now() + 3601_000))).toBeNull();
    expect(await linkOfAccessToken(t.db, tokens.access_token, new Date(), "alexa")).toBeNull();
    expect(await linkOfAccessToken(t.db, tokens.access_token, new Date(), "google-home")).not.toBeNull();
  });

  it("refresh rotates; a replayed refresh token is refused and ends every token of the link", async () => {
    const first = await linkTokens();
    const refreshed = await exchange(google, { grant_type: "refresh_token", refresh_token: first.refresh_token });
    expect(refreshed.status).toBe(200);
    const second = refreshed.body as { access_token: string; refresh_token: string };
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(await linkOfAccessToken(t.db, second.access_token)).not.toBeNull();
    // Another platform's client cannot use it.
    expect((await exchange(alexa, { grant_type: "refresh_token", refresh_token: second.refresh_token })).body.error).toBe("invalid_grant");
    // The first refresh token again: someone copied it. Both holders lose the link's tokens.
    expect((await exchange(google, { grant_type: "refresh_token", refresh_token: first.refresh_token })).body.error).toBe("invalid_grant");
    expect(await linkOfAccessToken(t.db, second.access_token)).toBeNull();
    expect((await exchange(google, { grant_type: "refresh_token", refresh_token: second.refresh_token })).body.error).toBe("invalid_grant");
  });

  it("revocation by the platform ends the link's tokens; another client's revocation does not", async () => {
    const tokens = await linkTokens();
    expect((await revocationEndpoint(t.db, { token: tokens.access_token, client_id: alexa.clientId, client_secret: alexa.clientSecret }, {})).status).toBe(200);
    expect(await linkOfAccessToken(t.db, tokens.access_token)).not.toBeNull();
    expect((await revocationEndpoint(t.db, { token: tokens.refresh_token, client_id: google.clientId, client_secret: "wrong" }, {})).status).toBe(401);
    const basic = `Basic ${Buffer.from(`${google.clientId}:${google.clientSecret}`).toString("base64")}`;
    expect((await revocationEndpoint(t.db, { token: tokens.refresh_token }, { authorization: basic })).status).toBe(200);
    expect(await linkOfAccessToken(t.db, tokens.access_token)).toBeNull();
    expect((await exchange(google, { grant_type: "refresh_token", refresh_token: tokens.refresh_token })).body.error).toBe("invalid_grant");
  });

  it("unlinking ends the link's tokens at once, and linking again gives new ones", async () => {
    const tokens = await linkTokens();
    await unlinkPartner(t.db, { userId: owner, homeId: home, partnerId: "google-home", now: now() });
    expect(await linkOfAccessToken(t.db, tokens.access_token)).toBeNull();
    const again = await linkTokens();
    expect(await linkOfAccessToken(t.db, again.access_token)).toEqual(expect.objectContaining({ linkId: stableId("link:0:google-home") }));
    const [link] = (await t.pool.query("select status from partner_links where id = $1", [stableId("link:0:google-home")])).rows;
    expect(link.status).toBe("active");
  });
});
