// Where each adapter sends, and how: the platform's wire format built from an outbox payload.
import { alexa, google, webhook } from "@proviso/partners";
import type { DiscoveryDiff } from "./discovery";
import type { OutboxPayload } from "./ingest";
import type { DeviceInfo, LinkInfo } from "@proviso/snapshot";

export interface PartnerEndpoints {
  /** Alexa event gateway, e.g. https://api.amazonalexa.com/v3/events */
  alexaEvents: string;
  /** Google Home Graph, e.g. https://homegraph.googleapis.com/v1/devices:reportStateAndNotification */
  googleReportState: string;
  /** Google Home Graph, e.g. https://homegraph.googleapis.com/v1/devices:requestSync */
  googleRequestSync: string;
  /** Generic webhooks: `${webhookBase}/${partnerId}` */
  webhookBase: string;
  webhookSecret: string;
}

export function sandboxEndpoints(base: string, webhookSecret = webhook.SANDBOX_WEBHOOK_SECRET): PartnerEndpoints {
  return {
    alexaEvents: `${base}/alexa/v3/events`,
    googleReportState: `${base}/google/v1/devices:reportStateAndNotification`,
    googleRequestSync: `${base}/google/v1/devices:requestSync`,
    webhookBase: `${base}/webhook`,
    webhookSecret,
  };
}

/**
 * Home Graph's requestSync beside its Report State (both `…/v1/devices:…`); null when the Report
 * State URL is not of that form, so where requestSync goes cannot be derived from it.
 */
export function requestSyncBeside(reportStateUrl: string): string | null {
  const suffix = "devices:reportStateAndNotification";
  return reportStateUrl.endsWith(suffix) ? `${reportStateUrl.slice(0, -suffix.length)}devices:requestSync` : null;
}

export interface WireRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

const flatten = (byCategory: Record<string, Record<string, unknown>>) => Object.assign({}, ...Object.values(byCategory)) as Record<string, unknown>;

const ACCOUNT_TOKEN_PREFIX = "sandbox-";

/** The token a partner presents when it calls us for this link (issued at account linking). */
export function accountTokenFor(link: LinkInfo): string {
  return `${ACCOUNT_TOKEN_PREFIX}${link.linkId}`;
}

/** The link id an account token was issued for (null for a token not of that form). */
export function linkIdOfAccountToken(token: string): string | null {
  return token.startsWith(ACCOUNT_TOKEN_PREFIX) ? token.slice(ACCOUNT_TOKEN_PREFIX.length) : null;
}

/** The bearer we present to the partner: the token it granted (AcceptGrant), else the account's. */
export function bearerFor(link: LinkInfo): string {
  return link.accessToken ?? accountTokenFor(link);
}

/** Null when the partner's format cannot carry what may be sent (e.g. an incomplete Google trait). */
export function buildWireRequest(
  endpoints: PartnerEndpoints,
  link: LinkInfo,
  device: DeviceInfo,
  messageId: string,
  payload: OutboxPayload,
  now: number,
): WireRequest | null {
  const changed = flatten(payload.changed);
  const context = flatten(payload.context);
  if (link.adapter === "alexa") {
    const body = alexa.changeReport(
      { messageId, deviceId: device.deviceId, cause: payload.cause, observedAt: payload.observedAt, changed, current: context },
      bearerFor(link),
    );
    return {
      url: endpoints.alexaEvents,
      headers: { "content-type": "application/json", authorization: `Bearer ${bearerFor(link)}` },
      body: JSON.stringify(body),
    };
  }
  if (link.adapter === "google") {
    const body = google.reportStateAndNotification({
      requestId: messageId,
      agentUserId: link.externalAccountId,
      devices: [{ deviceId: device.deviceId, kind: device.kind, state: { ...context, ...changed } }],
    });
    // A trait that cannot be complete is left out; with nothing left there is nothing to report.
    if (Object.keys(body.payload.devices.states[device.deviceId] ?? {}).length === 0) return null;
    return {
      url: endpoints.googleReportState,
      headers: { "content-type": "application/json", authorization: `Bearer ${bearerFor(link)}` },
      body: JSON.stringify(body),
    };
  }
  const body = JSON.stringify(
    webhook.webhookStateMessage(link.partnerId, link.homeId, {
      messageId,
      deviceId: device.deviceId,
      cause: payload.cause,
      observedAt: payload.observedAt,
      changed,
      current: {},
    }),
  );
  return {
    url: `${endpoints.webhookBase}/${link.partnerId}`,
    headers: { "content-type": "application/json", ...webhook.signWebhook(endpoints.webhookSecret, body, Math.floor(now / 1000)) },
    body,
  };
}

/**
 * A discovery update in the partner's format, as the requests to send in order: for Alexa, an
 * AddOrUpdateReport per 300 endpoints new or changed, then a DeleteReport per 300 endpoints gone
 * (message ids derived from the outbox row's, so a retry repeats them); for Google, requestSync.
 */
export function buildDiscoveryRequests(endpoints: PartnerEndpoints, link: LinkInfo, messageId: string, diff: DiscoveryDiff): WireRequest[] {
  const token = bearerFor(link);
  const headers = { "content-type": "application/json", authorization: `Bearer ${token}` };
  if (link.adapter === "alexa") {
    const bodies = [
      ...(diff.upserts.length ? alexa.addOrUpdateReports(messageId, token, diff.upserts) : []),
      ...(diff.deletes.length ? alexa.deleteReports(`${messageId}-d`, token, diff.deletes) : []),
    ];
    return bodies.map((body) => ({ url: endpoints.alexaEvents, headers, body: JSON.stringify(body) }));
  }
  if (link.adapter === "google") {
    if (diff.upserts.length === 0 && diff.deletes.length === 0) return [];
    return [{ url: endpoints.googleRequestSync, headers, body: JSON.stringify(google.requestSync(link.externalAccountId)) }];
  }
  return [];
}
