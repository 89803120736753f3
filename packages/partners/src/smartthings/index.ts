// SmartThings (Schema cloud-to-cloud connector): SmartThings' interactions answered at the
// connector's endpoint; proactive state and discovery POSTed to the callback URLs it gave at
// grantCallbackAccess, with callback tokens exchanged there (accessTokenRequest) and refreshed
// (refreshAccessTokens); integrationDeleted ends the link.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Platform } from "../adapter";
import { classifyResponse } from "../answers";
import type { CallbackUrls, GrantedTokens, PartnerLink } from "../types";
import { interactionError, readInteraction } from "./interactions";
import * as st from "./messages";

export interface SmartThingsSettings {
  /** The connector's client id and secret, as registered in SmartThings' Developer Workspace. */
  clientId: string;
  clientSecret: string;
}

const settings = z.object({
  SMARTTHINGS_CLIENT_ID: z.string().default("proviso-sandbox-smartthings"),
  SMARTTHINGS_CLIENT_SECRET: z.string().default("proviso-sandbox-smartthings-secret"),
});

/** Exchanges or refreshes at SmartThings' token endpoint for the link (the one it named in its callback URLs). */
async function callbackTokens(s: SmartThingsSettings, url: string, grant: { code: string } | { refreshToken: string }): Promise<GrantedTokens> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json; charset=utf-8" },
    body: JSON.stringify(st.tokenRequest(randomUUID(), s, grant)),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json().catch(() => ({}))) as {
    callbackAuthentication?: { accessToken?: string; refreshToken?: string; expiresIn?: number };
    globalError?: { errorEnum?: string };
  };
  const auth = body.callbackAuthentication;
  if (!res.ok || !auth?.accessToken || !auth.refreshToken)
    throw new Error(`SmartThings' token endpoint answered ${res.status}${body.globalError?.errorEnum ? ` (${body.globalError.errorEnum})` : ""}`);
  return { accessToken: auth.accessToken, refreshToken: auth.refreshToken, expiresAt: new Date(Date.now() + (auth.expiresIn ?? 86_400) * 1000) };
}

/** Where SmartThings takes this link's callbacks, with the token to present; or why we cannot call it. */
function callbackOf(link: PartnerLink): { urls: CallbackUrls; token: string } | { unsendable: string } {
  if (!link.callbackUrls || !link.accessToken) return { unsendable: "SmartThings has not granted callback access for this link" };
  return { urls: link.callbackUrls, token: link.accessToken };
}

const json = (url: string, body: unknown) => ({ url, headers: { "content-type": "application/json; charset=utf-8" }, body: JSON.stringify(body) });

export const smartthingsPlatform: Platform<SmartThingsSettings> = {
  id: "smartthings",
  installedPerHome: true,
  settings,
  resolve(env) {
    const e = settings.parse(env);
    return { clientId: e.SMARTTHINGS_CLIENT_ID, clientSecret: e.SMARTTHINGS_CLIENT_SECRET };
  },
  create: (s) => ({
    id: "smartthings",
    // Only once SmartThings has granted callback access: before it there is nowhere to call.
    tellsDiscovery: (link) => !("unsendable" in callbackOf(link)),
    requestsPerMinute: null,
    completeWith: {},
    stateRequest({ link, device, messageId, change }) {
      const cb = callbackOf(link);
      if ("unsendable" in cb) return cb;
      return json(cb.urls.stateCallback, st.stateCallback(messageId, cb.token, device.deviceId, { ...change.current, ...change.changed }));
    },
    // A discovery callback for devices new or changed, then a state callback telling it which are gone.
    // SmartThings Schema has no call by which a connector says a user is gone: the partner confirms.
    deletionRequests: () => null,
    discoveryRequests(link, messageId, diff) {
      const cb = callbackOf(link);
      if ("unsendable" in cb) return [];
      return [
        ...(diff.upserts.length ? [json(cb.urls.stateCallback, st.discoveryCallback(messageId, cb.token, diff.upserts))] : []),
        ...(diff.deletes.length ? [json(cb.urls.stateCallback, st.devicesDeleted(`${messageId}-d`, cb.token, diff.deletes))] : []),
      ];
    },
    announcedVia: "discovery_callback",
    // 401: the callback token expired (refreshed once at the link's token endpoint).
    classify: classifyResponse,
    signedWithPartnerSecrets: false,
    serviceCredential: null,
    credentials: {
      exchange: (code, _link, urls) => {
        if (!urls) throw new Error("SmartThings gave no callback URLs with the grant");
        return callbackTokens(s, urls.oauthToken, { code });
      },
      refresh: (refreshToken, link) => {
        if (!link.callbackUrls) throw new Error("no callback URLs for this link");
        return callbackTokens(s, link.callbackUrls.oauthToken, { refreshToken });
      },
    },
    inbound: { path: "/v1/partners/smartthings", read: (body) => readInteraction(body, s.clientId), error: interactionError },
  }),
};
