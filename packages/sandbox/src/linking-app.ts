// Each platform's app during account linking, as a homeowner meets it: "Link" sends the browser to
// Proviso's authorize page (authorization code with PKCE, S256); the way back brings a code, which
// the platform exchanges at Proviso's token endpoint as its registered client. Then it does what
// the platform does once linked (Google asks SYNC; Alexa sends AcceptGrant, then Discover;
// SmartThings installs its connector) and shows what it found. Under `/app/<partner>/`, outside
// the sandbox's token-guarded API: a browser reaches it. And `/__sandbox/accounts`: the accounts
// the platforms hold, read by tests and added to by npm start for the seeded homes' links.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { accessTokenOf, requestTokens, type LinkedAccount } from "./accounts";
import { askWorker, type Answer, type Context } from "./platform";
import { deviceIdsOf } from "./recorder";
import { installConnector } from "./platforms/smartthings";

const PLATFORM_NAMES: Record<string, string> = { "google-home": "Google Home", alexa: "Amazon Alexa", smartthings: "SmartThings" };
/** Started linkings: state → the PKCE verifier and the partner (kept until the way back). */
const pending = new Map<string, { partner: string; verifier: string }>();

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string, status = 200): Answer {
  return {
    status,
    html: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head><body><main><h1>${escape(title)}</h1>${body}</main></body></html>`,
  };
}

export async function linkingApp(ctx: Context, method: string, url: URL): Promise<Answer | null> {
  const m = /^\/app\/([a-z0-9-]+)\/(link|callback)$/.exec(url.pathname);
  if (!m || method !== "GET") return null;
  const [, partner, step] = m as unknown as [string, string, string];
  const linking = ctx.options.linking;
  const name = PLATFORM_NAMES[partner] ?? partner;
  if (!linking?.clients[partner]) return page(`${name} cannot link`, "<p>The sandbox was started without a Proviso client for this platform.</p>", 409);
  const redirectUri = `${ctx.base}/app/${partner}/callback`;
  if (step === "link") {
    const verifier = randomBytes(32).toString("base64url");
    const state = randomUUID();
    pending.set(state, { partner, verifier });
    const to = new URL(linking.authorizeUrl);
    to.search = new URLSearchParams({
      response_type: "code",
      client_id: linking.clients[partner]!.clientId,
      redirect_uri: redirectUri,
      state,
      code_challenge: createHash("sha256").update(verifier).digest("base64url"),
      code_challenge_method: "S256",
    }).toString();
    return { status: 302, headers: { location: to.toString() } };
  }
  const state = url.searchParams.get("state") ?? "";
  const started = pending.get(state);
  pending.delete(state);
  if (!started || started.partner !== partner) return page(`${name}: linking failed`, "<p>This answer does not belong to a linking this app started.</p>", 400);
  const error = url.searchParams.get("error");
  if (error) return page(`${name} was not linked`, `<p data-testid="linking-error">Proviso answered: ${escape(error)}</p>`);
  const exchanged = await requestTokens(linking, partner, {
    grant_type: "authorization_code",
    code: url.searchParams.get("code") ?? "",
    redirect_uri: redirectUri,
    code_verifier: started.verifier,
  });
  const t = exchanged.body as { access_token?: string; refresh_token?: string; expires_in?: number; error?: string };
  if (exchanged.status !== 200 || !t.access_token || !t.refresh_token)
    return page(
      `${name}: linking failed`,
      `<p data-testid="linking-error">The token endpoint answered ${exchanged.status}: ${escape(String(t.error ?? ""))}</p>`,
      502,
    );
  const account: LinkedAccount = {
    partner,
    accountId: `${partner}-user-${randomUUID().slice(0, 8)}`,
    accessToken: t.access_token,
    refreshToken: t.refresh_token,
    expiresAt: Date.now() + (t.expires_in ?? 3600) * 1000,
  };
  const found = await afterLinking(ctx, account);
  ctx.accounts.set(account);
  return page(
    `${name} is linked to Proviso`,
    `<p>Account <code data-testid="account-id">${escape(account.accountId)}</code></p><p>${escape(found.summary)}</p><ul data-testid="devices">${found.devices
      .map((d) => `<li>${escape(d)}</li>`)
      .join("")}</ul>`,
  );
}

/** What the platform does once it holds a token: it learns the user's devices (and Alexa grants its own tokens). */
async function afterLinking(ctx: Context, account: LinkedAccount): Promise<{ summary: string; devices: string[] }> {
  const token = await accessTokenOf(ctx.options.linking, account);
  if (account.partner === "google-home" && ctx.options.googleFulfillmentUrl) {
    const answer = await askWorker(
      ctx.options.googleFulfillmentUrl,
      { requestId: randomUUID(), inputs: [{ intent: "action.devices.SYNC" }] },
      `Bearer ${token}`,
    );
    const payload = (answer.body as { payload?: { agentUserId?: string; devices?: { id: string; name?: { name?: string } }[] } }).payload;
    // Google knows the user by the agentUserId the integration gives in SYNC.
    if (payload?.agentUserId) account.accountId = payload.agentUserId;
    record(ctx, account.partner, "SYNC after linking", answer);
    return { summary: `SYNC answered ${answer.status}`, devices: (payload?.devices ?? []).map((d) => d.name?.name ?? d.id) };
  }
  if (account.partner === "alexa" && ctx.options.alexaDirectivesUrl) {
    const url = ctx.options.alexaDirectivesUrl;
    const header = (namespace: string, name: string) => ({ namespace, name, messageId: randomUUID(), payloadVersion: "3" });
    const grant = await askWorker(
      url,
      {
        directive: {
          header: header("Alexa.Authorization", "AcceptGrant"),
          payload: { grant: { type: "OAuth2.AuthorizationCode", code: `lwa-code-${randomUUID()}` }, grantee: { type: "BearerToken", token } },
        },
      },
      null,
    );
    record(ctx, account.partner, "AcceptGrant after linking", grant);
    const discover = await askWorker(
      url,
      { directive: { header: header("Alexa.Discovery", "Discover"), payload: { scope: { type: "BearerToken", token } } } },
      null,
    );
    record(ctx, account.partner, "Discover after linking", discover);
    const endpoints =
      (discover.body as { event?: { payload?: { endpoints?: { friendlyName?: string; endpointId: string }[] } } }).event?.payload?.endpoints ?? [];
    return { summary: `AcceptGrant answered ${grant.status}, Discover ${discover.status}`, devices: endpoints.map((e) => e.friendlyName ?? e.endpointId) };
  }
  if (account.partner === "smartthings") {
    const installed = await installConnector(ctx, token);
    const discovery = (installed.body as { discovery?: { body?: { devices?: { friendlyName?: string; externalDeviceId: string }[] } } }).discovery?.body;
    return { summary: "connector installed", devices: (discovery?.devices ?? []).map((d) => d.friendlyName ?? d.externalDeviceId) };
  }
  return { summary: "linked", devices: [] };
}

function record(ctx: Context, partner: string, what: string, answer: { status: number; body: unknown }) {
  ctx.recorder.record({
    partner,
    endpoint: `(${what})`,
    receivedAt: new Date().toISOString(),
    deviceIds: deviceIdsOf(answer.body),
    messageId: null,
    authorization: null,
    status: answer.status,
    schemaValid: null,
    schemaErrors: [],
    body: answer.body,
  });
}

/** The sandbox's API for accounts: list them (`GET /__sandbox/accounts?partner=`) and add ones linked elsewhere (`POST`, a list). */
export function accountsApi(ctx: Context, method: string, url: URL, raw: string): Answer | null {
  if (url.pathname !== "/__sandbox/accounts") return null;
  if (method === "GET") return { status: 200, body: { accounts: ctx.accounts.list(url.searchParams.get("partner") ?? undefined) } };
  if (method !== "POST") return { status: 405, body: { error: "GET or POST" } };
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    return { status: 400, body: { error: "body is not JSON" } };
  }
  if (!Array.isArray(list)) return { status: 400, body: { error: "expected a list of accounts" } };
  for (const [i, a] of list.entries()) {
    const x = a as Partial<LinkedAccount>;
    if (![x.partner, x.accountId, x.accessToken, x.refreshToken].every((v) => typeof v === "string" && v) || typeof x.expiresAt !== "number")
      return { status: 400, body: { error: `accounts[${i}] needs partner, accountId, accessToken, refreshToken and expiresAt (ms)` } };
  }
  for (const a of list as LinkedAccount[]) ctx.accounts.set({ ...a });
  return { status: 200, body: { added: list.length } };
}
