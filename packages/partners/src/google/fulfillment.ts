// Google's smart-home fulfillment intents, read into what Proviso is asked: SYNC, QUERY and
// DISCONNECT. The bearer is the account token Google holds for the link (Authorization header).
import { PartnerRequestError, type InboundRequest } from "../adapter";
import * as google from "./messages";

interface Intent {
  requestId?: string;
  inputs?: { intent?: string; payload?: { devices?: { id: string }[] } }[];
}

const bearerOf = (headers: Record<string, string | undefined>) => headers.authorization?.replace(/^Bearer /, "");

export function readIntent(body: unknown, headers: Record<string, string | undefined>): InboundRequest {
  const b = body as Intent | null;
  const input = b?.inputs?.[0];
  if (!b?.requestId || !input?.intent) throw new PartnerRequestError(400, "protocolError", "not a smart-home intent");
  const requestId = b.requestId;
  const token = bearerOf(headers);
  switch (input.intent) {
    case "action.devices.SYNC":
      return { kind: "discover", token, via: "sync", respond: (devices, link) => google.syncResponse(requestId, link.externalAccountId, devices) };
    case "action.devices.QUERY":
      return {
        kind: "state",
        token,
        deviceIds: (input.payload?.devices ?? []).map((d) => d.id),
        respond: (states) => google.queryResponse(requestId, states),
      };
    case "action.devices.DISCONNECT":
      // The user unlinked in the Google Home app: Google expects an empty answer.
      return { kind: "unlink", token, respond: () => ({}) };
    default:
      throw new PartnerRequestError(400, "notSupported", `${input.intent} is not handled`);
  }
}

/** A refused intent in Google's shape: the request id echoed, an errorCode, and the HTTP status. */
export function intentError(err: PartnerRequestError, body: unknown) {
  const requestId = (body as Intent | null)?.requestId ?? "";
  const errorCode = err.status === 401 ? "authFailure" : err.type;
  return { status: err.status, body: { requestId, payload: { errorCode, debugString: err.message } } };
}
