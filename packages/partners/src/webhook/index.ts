// A generic webhook partner: Proviso's own published message (messages.ts), signed, POSTed to
// `${base}/${partnerId}`. Never told of discovery; never asks.
import { z } from "zod";
import type { Platform } from "../adapter";
import { classifyResponse } from "../answers";
import { SANDBOX_WEBHOOK_SECRET, signWebhook, webhookDeletionMessage, webhookStateMessage } from "./messages";

export interface WebhookSettings {
  /** Generic webhooks go to `${baseUrl}/${partnerId}`. */
  baseUrl: string;
  secret: string;
}

const settings = z.object({
  WEBHOOK_BASE_URL: z.string().url().optional(),
  WEBHOOK_SECRET: z.string().min(16).default(SANDBOX_WEBHOOK_SECRET),
});

export const webhookPlatform: Platform<WebhookSettings> = {
  id: "webhook",
  installedPerHome: false,
  settings,
  resolve(env, sandbox) {
    const e = settings.parse(env);
    return { baseUrl: e.WEBHOOK_BASE_URL ?? `${sandbox}/webhook`, secret: e.WEBHOOK_SECRET };
  },
  create: (s) => ({
    id: "webhook",
    tellsDiscovery: () => false,
    // A receiver sets its own limit in a rate_limit clause.
    requestsPerMinute: null,
    completeWith: {},
    stateRequest({ link, device, messageId, change, now }) {
      const body = JSON.stringify(
        webhookStateMessage(link.partnerId, link.homeId, {
          messageId,
          deviceId: device.deviceId,
          cause: change.cause,
          observedAt: change.observedAt,
          changed: change.changed,
          current: {},
        }),
      );
      return {
        url: `${s.baseUrl}/${link.partnerId}`,
        headers: { "content-type": "application/json", ...signWebhook(s.secret, body, Math.floor(now / 1000)) },
        body,
      };
    },
    // A signed `deletion.requested` event, as every other message.
    deletionRequests(link, request, now) {
      const body = JSON.stringify(webhookDeletionMessage(link.partnerId, link.homeId, request));
      return [
        {
          url: `${s.baseUrl}/${link.partnerId}`,
          headers: { "content-type": "application/json", ...signWebhook(s.secret, body, Math.floor(now / 1000)) },
          body,
        },
      ];
    },
    discoveryRequests: () => [],
    announcedVia: "nothing_to_tell",
    // A 401 (the receiver refused the signature) signs afresh once, as a token would be refreshed.
    classify: classifyResponse,
    serviceCredential: null,
    credentials: null,
    inbound: null,
  }),
};
