// What the demo's platforms do once the product is up, as their users would in the platforms'
// apps. Proviso registers an OAuth client for each platform the sandbox plays (new secrets at each
// start, handed to the sandbox); the seeded homes' links are then linked as if each platform had
// linked them (tokens issued to its client, handed to the sandbox, which uses them for all it
// asks); each webhook partner's signing secrets go to the sandbox's receiver; and a platform installed per home (SmartThings' connector: a discovery, then callback
// access granted) is installed for each home linked to it.
import { activeSigningSecrets, createTokenCipher, issueLinkTokens, registerOAuthClient, rotateSigningSecret, setPartnerLinkUrl } from "@proviso/core";
import { createDb, oauthTokens, partnerLinks, partners } from "@proviso/db";
import { PLATFORMS } from "@proviso/partners";
import { and, eq, inArray } from "drizzle-orm";

/** The platforms the sandbox plays account linking for, by partner. */
const PLAYED = ["alexa", "google-home", "smartthings"];

export type SandboxClients = Record<string, { clientId: string; clientSecret: string }>;

/** Registers (or gives new secrets to) the sandbox's clients; their redirect URIs are the sandbox apps' callbacks. */
export async function registerSandboxClients(databaseUrl: string, sandboxUrl: string): Promise<SandboxClients> {
  const handle = createDb(databaseUrl, { max: 1, applicationName: "proviso-launcher" });
  try {
    const known = await handle.db.select({ id: partners.id }).from(partners).where(inArray(partners.id, PLAYED));
    const clients: SandboxClients = {};
    for (const { id } of known) {
      // A new secret at each start, handed to the sandbox: the old one is of no use to anyone (no overlap).
      const c = await registerOAuthClient(handle.db, {
        partnerId: id,
        clientId: `sandbox-${id}`,
        redirectUris: [`${sandboxUrl}/app/${id}/callback`],
        overlapHours: 0,
      });
      // The dashboard's "Link" sends the homeowner to the platform's app, which the sandbox plays.
      await setPartnerLinkUrl(handle.db, id, `${sandboxUrl}/app/${id}/link`);
      clients[id] = { clientId: c.clientId, clientSecret: c.clientSecret };
    }
    return clients;
  } finally {
    await handle.close();
  }
}

/**
 * The signing secrets of each webhook partner the sandbox plays the receiver of, by partner: those
 * in force, or a first one made for a partner that has none (as its operators would, with
 * `npm run partners -- signing-secret`). Handed to the sandbox, which verifies with them.
 */
export async function sandboxWebhookSecrets(databaseUrl: string, tokenKey: string): Promise<Record<string, string[]>> {
  const handle = createDb(databaseUrl, { max: 1, applicationName: "proviso-launcher" });
  const cipher = createTokenCipher(tokenKey);
  try {
    const hooks = await handle.db.select({ id: partners.id }).from(partners).where(eq(partners.adapter, "webhook"));
    const secrets: Record<string, string[]> = {};
    for (const { id } of hooks) {
      const now = new Date();
      const held = await activeSigningSecrets(handle.db, cipher, id, now);
      secrets[id] = held.length ? [...held] : [(await rotateSigningSecret(handle.db, cipher, { partnerId: id, now })).secret];
    }
    return secrets;
  } finally {
    await handle.close();
  }
}

/** A seeded link with the tokens its platform now holds. */
export interface DemoAccount {
  id: string;
  partnerId: string;
  adapter: string;
  accessToken: string;
  callbackUrls: unknown;
}

/**
 * The seeded links, linked by their platforms: tokens issued to the sandbox's clients (those of an
 * earlier start deleted), handed to the sandbox. Before the worker starts: the first thing it does
 * is tell each platform what it may know, and Google asks SYNC back with the token it holds.
 */
export async function linkDemoAccounts(databaseUrl: string, sandboxUrl: string, sandboxToken: string, clients: SandboxClients): Promise<DemoAccount[]> {
  const handle = createDb(databaseUrl, { max: 1, applicationName: "proviso-launcher" });
  try {
    const ids = Object.values(clients).map((c) => c.clientId);
    if (ids.length === 0) return [];
    await handle.db.delete(oauthTokens).where(inArray(oauthTokens.clientId, ids));
    const links = await handle.db
      .select({
        id: partnerLinks.id,
        partnerId: partnerLinks.partnerId,
        accountId: partnerLinks.externalAccountId,
        callbackUrls: partnerLinks.callbackUrls,
        adapter: partners.adapter,
      })
      .from(partnerLinks)
      .innerJoin(partners, eq(partners.id, partnerLinks.partnerId))
      .where(and(inArray(partnerLinks.partnerId, Object.keys(clients)), eq(partnerLinks.status, "active")));
    const accounts = [];
    for (const link of links) {
      const t = await issueLinkTokens(handle.db, { linkId: link.id, clientId: clients[link.partnerId]!.clientId });
      accounts.push({ ...link, accessToken: t.accessToken, refreshToken: t.refreshToken, expiresAt: t.accessTokenExpiresAt.getTime() });
    }
    for (let i = 0; i < accounts.length; i += 1000) {
      const chunk = accounts
        .slice(i, i + 1000)
        .map((a) => ({ partner: a.partnerId, accountId: a.accountId, accessToken: a.accessToken, refreshToken: a.refreshToken, expiresAt: a.expiresAt }));
      const res = await sandboxApi(sandboxUrl, sandboxToken, "/__sandbox/accounts", chunk);
      if (!res.ok) throw new Error(`the sandbox refused the demo's accounts: ${res.status}`);
    }
    return accounts;
  } finally {
    await handle.close();
  }
}

/** A platform installed per home (SmartThings) installs its connector for each linked home not yet installed: once the worker answers. */
export async function installDemoConnectors(sandboxUrl: string, sandboxToken: string, accounts: DemoAccount[]): Promise<number> {
  let installed = 0;
  for (const a of accounts.filter((x) => PLATFORMS[x.adapter as keyof typeof PLATFORMS]?.installedPerHome && !x.callbackUrls)) {
    const res = await sandboxApi(sandboxUrl, sandboxToken, `/__sandbox/${a.adapter}/install`, { token: a.accessToken });
    if (!res.ok) throw new Error(`the sandbox could not install ${a.adapter} for link ${a.id}: ${res.status}`);
    installed++;
  }
  return installed;
}

const sandboxApi = (sandboxUrl: string, sandboxToken: string, p: string, body: unknown) =>
  fetch(`${sandboxUrl}${p}`, {
    method: "POST",
    headers: { authorization: `Bearer ${sandboxToken}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
