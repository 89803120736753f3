// Google Home: Report State with complete traits, requestSync and agent-user deletion to Home
// Graph (as Proviso's service account, service-account.ts), the fulfillment intents answered
// (SYNC, QUERY, DISCONNECT), Home Graph's published quota.
import fs from "node:fs";
import { z } from "zod";
import { bearerFor } from "../account-token";
import type { Platform } from "../adapter";
import { classifyResponse } from "../answers";
import { intentError, readIntent } from "./fulfillment";
import * as google from "./messages";
import { parseServiceAccount, serviceAccountTokens, type ServiceAccountKey } from "./service-account";

function readServiceAccount(file: string): ServiceAccountKey {
  let json: string;
  try {
    json = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`GOOGLE_SERVICE_ACCOUNT_FILE: cannot read ${file}: ${(err as Error).message}`);
  }
  return parseServiceAccount(json, `GOOGLE_SERVICE_ACCOUNT_FILE (${file})`);
}

export interface GoogleSettings {
  /** Home Graph, e.g. https://homegraph.googleapis.com/v1/devices:reportStateAndNotification */
  reportStateUrl: string;
  /** Home Graph, e.g. https://homegraph.googleapis.com/v1/devices:requestSync */
  requestSyncUrl: string;
  /** Home Graph's agent users, e.g. https://homegraph.googleapis.com/v1/agentUsers (DELETE one: its data goes). */
  agentUsersUrl: string;
  /** Home Graph requests a minute for the whole integration; null for none of the platform's own. */
  requestsPerMinute: number | null;
  /** The service account Home Graph calls are made as (its key file); null: a placeholder bearer only the sandbox accepts. */
  serviceAccount: ServiceAccountKey | null;
}

/** Google's published Home Graph quota: 6,000 requests a minute per integration (Report State and Request Sync alike). */
export const HOME_GRAPH_REQUESTS_PER_MINUTE = 6_000;

/** Categories Google's TemperatureSetting carries together: a thermostat change carries them all. */
export const TEMPERATURE_SETTING_CATEGORIES = [
  "user.device.sensor.temperature",
  "user.device.sensor.setpoint",
  "user.device.sensor.hvac_mode",
  "user.device.sensor.humidity",
] as const;

/**
 * Home Graph's requestSync beside its Report State (both `…/v1/devices:…`); null when the Report
 * State URL is not of that form, so where requestSync goes cannot be derived from it.
 */
export function requestSyncBeside(reportStateUrl: string): string | null {
  const suffix = "devices:reportStateAndNotification";
  return reportStateUrl.endsWith(suffix) ? `${reportStateUrl.slice(0, -suffix.length)}devices:requestSync` : null;
}

const settings = z
  .object({
    GOOGLE_REPORT_STATE_URL: z.string().url().optional(),
    /** Home Graph's requestSync; by default beside GOOGLE_REPORT_STATE_URL (or the sandbox's). */
    GOOGLE_REQUEST_SYNC_URL: z.string().url().optional(),
    /** Home Graph's agent users; by default beside GOOGLE_REPORT_STATE_URL (…/v1/agentUsers). */
    GOOGLE_AGENT_USERS_URL: z.string().url().optional(),
    /** A service-account key file (JSON: client_email, private_key, token_uri): Home Graph calls carry its OAuth token. */
    GOOGLE_SERVICE_ACCOUNT_FILE: z.string().optional(),
    /** Google's published quota unless it granted more; 0: none. */
    GOOGLE_REQUESTS_PER_MINUTE: z.coerce.number().int().min(0).default(HOME_GRAPH_REQUESTS_PER_MINUTE),
  })
  .superRefine((c, ctx) => {
    if (c.GOOGLE_REPORT_STATE_URL && !c.GOOGLE_REQUEST_SYNC_URL && !requestSyncBeside(c.GOOGLE_REPORT_STATE_URL)) {
      ctx.addIssue({
        code: "custom",
        path: ["GOOGLE_REQUEST_SYNC_URL"],
        message: "set it: GOOGLE_REPORT_STATE_URL does not end in devices:reportStateAndNotification, so where requestSync goes cannot be derived from it",
      });
    }
  });

export const googlePlatform: Platform<GoogleSettings> = {
  id: "google",
  installedPerHome: false,
  settings,
  resolve(env, sandbox) {
    const e = settings.parse(env);
    const reportStateUrl = e.GOOGLE_REPORT_STATE_URL ?? `${sandbox}/google/v1/devices:reportStateAndNotification`;
    return {
      reportStateUrl,
      requestSyncUrl: e.GOOGLE_REQUEST_SYNC_URL ?? requestSyncBeside(reportStateUrl)!,
      agentUsersUrl: e.GOOGLE_AGENT_USERS_URL ?? reportStateUrl.replace(/devices:reportStateAndNotification$/, "agentUsers"),
      requestsPerMinute: e.GOOGLE_REQUESTS_PER_MINUTE || null,
      serviceAccount: e.GOOGLE_SERVICE_ACCOUNT_FILE ? readServiceAccount(e.GOOGLE_SERVICE_ACCOUNT_FILE) : null,
    };
  },
  create: (s) => ({
    id: "google",
    tellsDiscovery: () => true,
    requestsPerMinute: s.requestsPerMinute,
    // Google overwrites whole traits: a thermostat change carries the rest of TemperatureSetting.
    completeWith: { thermostat: TEMPERATURE_SETTING_CATEGORIES },
    stateRequest({ link, device, messageId, change }) {
      const body = google.reportStateAndNotification({
        requestId: messageId,
        agentUserId: link.externalAccountId,
        devices: [{ deviceId: device.deviceId, kind: device.kind, state: { ...change.current, ...change.changed } }],
      });
      // A trait that cannot be complete is left out; with nothing left there is nothing to report.
      if (Object.keys(body.payload.devices.states[device.deviceId] ?? {}).length === 0)
        return { unsendable: "nothing Google's traits can carry whole (an incomplete trait)" };
      return { url: s.reportStateUrl, headers: { "content-type": "application/json", authorization: `Bearer ${bearerFor(link)}` }, body: JSON.stringify(body) };
    },
    // requestSync, after which Google asks SYNC again.
    discoveryRequests(link, _messageId, diff) {
      if (diff.upserts.length === 0 && diff.deletes.length === 0) return [];
      return [
        {
          url: s.requestSyncUrl,
          headers: { "content-type": "application/json", authorization: `Bearer ${bearerFor(link)}` },
          body: JSON.stringify(google.requestSync(link.externalAccountId)),
        },
      ];
    },
    // Home Graph forgets the user and every device with it.
    deletionRequests: (link, request) => [
      {
        method: "DELETE",
        url: `${s.agentUsersUrl}/${encodeURIComponent(link.externalAccountId)}?requestId=${request.id}`,
        headers: { authorization: `Bearer ${bearerFor(link)}` },
        body: "",
      },
    ],
    announcedVia: "request_sync",
    classify: classifyResponse,
    signedWithPartnerSecrets: false,
    serviceCredential: s.serviceAccount ? serviceAccountTokens(s.serviceAccount) : null,
    credentials: null,
    inbound: { path: "/v1/partners/google/fulfillment", read: readIntent, error: intentError },
  }),
};
