// A generic webhook partner: Proviso's own published message (messages.ts), signed with the
// partner's own secrets (Standard Webhooks; the worker adds them to the link as it sends: the
// `signedWithPartnerSecrets` flag), POSTed to `${base}/${partnerId}`. Never told of discovery; never asks.
import { z } from "zod";
import type { Platform } from "../adapter";
import { classifyResponse } from "../answers";
import type { PartnerLink } from "../types";
import { signWebhook, webhookDeletionMessage, webhookStateMessage } from "./messages";

export interface WebhookSettings {
  /** Generic webhooks go to `${baseUrl}/${partnerId}`. */
  baseUrl: string;
}

const settings = z.object({
  WEBHOOK_BASE_URL: z.string().url().optional(),
});

/** The signed headers for a message to the link's partner: its secrets are on the link by now (the worker put them there). */
function signed(link: PartnerLink, messageId: string, body: string, now: number) {
  if (!link.signingSecrets?.length) throw new Error(`no signing secret for partner ${link.partnerId}: npm run partners -- signing-secret ${link.partnerId}`);
  return { "content-type": "application/json", ...signWebhook(link.signingSecrets, messageId, body, Math.floor(now / 1000)) };
}

export const webhookPlatform: Platform<WebhookSettings> = {
  id: "webhook",
  installedPerHome: false,
  settings,
  resolve(env, sandbox) {
    const e = settings.parse(env);
    return { baseUrl: e.WEBHOOK_BASE_URL ?? `${sandbox}/webhook` };
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
        headers: signed(link, messageId, body, now),
        body,
      };
    },
    // A signed `deletion.requested` event, as every other message.
    deletionRequests(link, request, now) {
      const message = webhookDeletionMessage(link.partnerId, link.homeId, request);
      const body = JSON.stringify(message);
      return [
        {
          url: `${s.baseUrl}/${link.partnerId}`,
          headers: signed(link, message.messageId, body, now),
          body,
        },
      ];
    },
    discoveryRequests: () => [],
    announcedVia: "nothing_to_tell",
    // A 401 (the receiver refused the signature) signs afresh once, as a token would be refreshed.
    classify: classifyResponse,
    serviceCredential: null,
    signedWithPartnerSecrets: true,
    credentials: null,
    inbound: null,
  }),
};
