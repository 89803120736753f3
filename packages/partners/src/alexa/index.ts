// Amazon Alexa (Smart Home API v3): ChangeReport and discovery events to the event gateway, the
// skill's directives answered, Login with Amazon tokens per link (from AcceptGrant).
import { z } from "zod";
import { bearerFor } from "../account-token";
import type { Platform } from "../adapter";
import { classifyResponse } from "../answers";
import { tokenRequest, type OAuthClient } from "../oauth-client";
import { directiveError, readDirective } from "./directives";
import * as alexa from "./messages";

/** Amazon's three event gateways: North America, Europe and India, Far East. */
export type AlexaGateway = "NA" | "EU" | "FE";

export interface AlexaSettings extends OAuthClient {
  /** The event gateway per region, e.g. https://api.amazonalexa.com/v3/events (NA), api.eu.… (EU), api.fe.… (FE). */
  eventsUrls: Record<AlexaGateway, string>;
}

const EU_GATEWAY = new Set(["EU", "GB", "UK", "IE", "DE", "AT", "FR", "BE", "NL", "LU", "ES", "PT", "IT", "PL", "SE", "DK", "NO", "FI", "IN"]);
const FE_GATEWAY = new Set(["JP", "AU", "NZ", "SG"]);

/** The gateway for a link's region (a country code, or "EU"/"US" as the seed has them): the account's Alexa region. */
export function alexaGateway(region: string): AlexaGateway {
  const r = region.toUpperCase();
  return EU_GATEWAY.has(r) ? "EU" : FE_GATEWAY.has(r) ? "FE" : "NA";
}

const settings = z.object({
  /** The event gateways: North America (also the default for a region not listed), Europe and India, Far East. */
  ALEXA_EVENTS_URL: z.string().url().optional(),
  ALEXA_EVENTS_URL_EU: z.string().url().optional(),
  ALEXA_EVENTS_URL_FE: z.string().url().optional(),
  /** Login with Amazon: where AcceptGrant codes are exchanged and tokens refreshed. */
  ALEXA_TOKEN_URL: z.string().url().optional(),
  ALEXA_CLIENT_ID: z.string().default("proviso-sandbox-client"),
  ALEXA_CLIENT_SECRET: z.string().default("proviso-sandbox-secret"),
});

export const alexaPlatform: Platform<AlexaSettings> = {
  id: "alexa",
  installedPerHome: false,
  settings,
  resolve(env, sandbox) {
    const e = settings.parse(env);
    return {
      eventsUrls: {
        NA: e.ALEXA_EVENTS_URL ?? `${sandbox}/alexa/v3/events`,
        EU: e.ALEXA_EVENTS_URL_EU ?? `${sandbox}/alexa/eu/v3/events`,
        FE: e.ALEXA_EVENTS_URL_FE ?? `${sandbox}/alexa/fe/v3/events`,
      },
      tokenUrl: e.ALEXA_TOKEN_URL ?? `${sandbox}/alexa/auth/o2/token`,
      clientId: e.ALEXA_CLIENT_ID,
      clientSecret: e.ALEXA_CLIENT_SECRET,
    };
  },
  create: (s) => ({
    id: "alexa",
    tellsDiscovery: () => true,
    // Amazon publishes no such figure for the event gateway.
    requestsPerMinute: null,
    completeWith: {},
    stateRequest({ link, device, messageId, change }) {
      const token = bearerFor(link);
      const body = alexa.changeReport(
        { messageId, deviceId: device.deviceId, cause: change.cause, observedAt: change.observedAt, changed: change.changed, current: change.current },
        token,
      );
      return {
        url: s.eventsUrls[alexaGateway(link.region)],
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      };
    },
    // AddOrUpdateReport per 300 endpoints new or changed, then DeleteReport per 300 gone (ids derived
    // from the outbox row's, so a retry repeats them).
    discoveryRequests(link, messageId, diff) {
      const token = bearerFor(link);
      const headers = { "content-type": "application/json", authorization: `Bearer ${token}` };
      const bodies = [
        ...(diff.upserts.length ? alexa.addOrUpdateReports(messageId, token, diff.upserts) : []),
        ...(diff.deletes.length ? alexa.deleteReports(`${messageId}-d`, token, diff.deletes) : []),
      ];
      return bodies.map((body) => ({ url: s.eventsUrls[alexaGateway(link.region)], headers, body: JSON.stringify(body) }));
    },
    // The skill tells Alexa every endpoint it knew of is gone (DeleteReport), with the grant's token.
    deletionRequests(link, request) {
      if (request.announced.length === 0) return [];
      const token = bearerFor(link);
      return alexa.deleteReports(`deletion-${request.id}`, token, request.announced).map((body) => ({
        url: s.eventsUrls[alexaGateway(link.region)],
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      }));
    },
    announcedVia: "add_or_update",
    // 202 accepted; 401 the token expired (refresh once); 403 the customer disabled the skill.
    classify: classifyResponse,
    signedWithPartnerSecrets: false,
    serviceCredential: null,
    credentials: {
      exchange: (code) => tokenRequest(s, { grant_type: "authorization_code", code }),
      refresh: (refreshToken) => tokenRequest(s, { grant_type: "refresh_token", refresh_token: refreshToken }),
    },
    inbound: { path: "/v1/partners/alexa/directives", read: readDirective, error: directiveError },
  }),
};
