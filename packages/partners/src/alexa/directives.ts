// Directives Alexa sends the skill, read into what Proviso is asked: Discover, ReportState,
// AcceptGrant. Everything else is refused in Alexa's own error shape.
import { randomUUID } from "node:crypto";
import { PartnerRequestError, type InboundRequest } from "../adapter";
import * as alexa from "./messages";

interface AlexaDirective {
  header?: { namespace?: string; name?: string; messageId?: string; correlationToken?: string };
  endpoint?: { endpointId?: string; scope?: { token?: string } };
  payload?: { scope?: { token?: string }; grant?: { type?: string; code?: string }; grantee?: { token?: string } };
}

const directiveOf = (body: unknown) => (body as { directive?: AlexaDirective } | null)?.directive;

export function readDirective(body: unknown): InboundRequest {
  const directive = directiveOf(body);
  const header = directive?.header;
  if (!header?.namespace || !header.name) throw new PartnerRequestError(400, "INVALID_DIRECTIVE", "not an Alexa directive");
  const messageId = randomUUID();
  if (header.namespace === "Alexa.Discovery" && header.name === "Discover") {
    return { kind: "discover", token: directive!.payload?.scope?.token, via: "discover", respond: (devices) => alexa.discoveryResponse(messageId, devices) };
  }
  if (header.namespace === "Alexa.Authorization" && header.name === "AcceptGrant") {
    return {
      kind: "grant",
      token: directive!.payload?.grantee?.token,
      code: directive!.payload?.grant?.code,
      callbackUrls: null,
      respond: (r) => alexa.acceptGrantResponse(messageId, r.ok ? true : { message: `Failed to handle the AcceptGrant directive: ${r.message}` }),
    };
  }
  if (header.namespace === "Alexa" && header.name === "ReportState") {
    const token = directive!.endpoint?.scope?.token;
    return {
      kind: "state",
      token,
      deviceIds: [directive!.endpoint?.endpointId ?? ""],
      respond: (states) => {
        const s = states[0];
        if (!s) throw new PartnerRequestError(404, "NO_SUCH_ENDPOINT", "no such endpoint for this account");
        return alexa.stateReport({
          messageId,
          correlationToken: header.correlationToken ?? "",
          token: token ?? "",
          deviceId: s.deviceId,
          state: s.state,
          observedAt: s.observedAt,
        });
      },
    };
  }
  throw new PartnerRequestError(400, "INVALID_DIRECTIVE", `${header.namespace}.${header.name} is not handled`);
}

/** A refused directive as Alexa expects it: an ErrorResponse event (the HTTP status says the same). */
export function directiveError(err: PartnerRequestError, body: unknown) {
  const correlationToken = directiveOf(body)?.header?.correlationToken;
  return { status: err.status, body: alexa.errorResponse(randomUUID(), err.type, err.message, correlationToken) };
}
