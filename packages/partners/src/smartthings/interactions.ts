// The interactions SmartThings sends the connector, read into what Proviso is asked: discovery,
// state refresh, callback access granted, the integration deleted. Commands are refused per device
// (Proviso shares data; it does not control devices); an interaction result is acknowledged.
import { stSchema } from "./st-schema";
import { PartnerRequestError, type InboundRequest } from "../adapter";
import * as st from "./messages";

const { GlobalErrorTypes } = stSchema;

interface Interaction {
  headers?: { schema?: string; interactionType?: string; requestId?: string };
  authentication?: { tokenType?: string; token?: string };
  devices?: { externalDeviceId?: string }[];
  callbackAuthentication?: { grantType?: string; code?: string; clientId?: string };
  callbackUrls?: { oauthToken?: string; stateCallback?: string };
}

export function readInteraction(body: unknown, clientId: string): InboundRequest {
  const i = body as Interaction | null;
  const type = i?.headers?.interactionType;
  const requestId = i?.headers?.requestId;
  if (!type || !requestId)
    throw new PartnerRequestError(
      400,
      GlobalErrorTypes.BAD_REQUEST,
      "not a SmartThings Schema interaction: headers.interactionType and headers.requestId are required",
    );
  const token = i!.authentication?.token;
  const deviceIds = (i!.devices ?? []).map((d) => d.externalDeviceId ?? "");
  switch (type) {
    case "discoveryRequest":
      return { kind: "discover", token, via: "discovery", respond: (devices) => st.discoveryResponse(requestId, devices) };
    case "stateRefreshRequest":
      return { kind: "state", token, deviceIds, respond: (states) => st.stateRefreshResponse(requestId, states) };
    case "commandRequest":
      return { kind: "ack", token, respond: () => st.commandResponse(requestId, deviceIds) };
    case "grantCallbackAccess": {
      const auth = i!.callbackAuthentication;
      // SmartThings names the connector's client: a grant for another connector is not ours to take.
      if (auth?.clientId !== clientId)
        throw new PartnerRequestError(400, GlobalErrorTypes.INVALID_CLIENT, `Client ID ${auth?.clientId ?? "(none)"} is invalid`);
      const urls = i!.callbackUrls;
      return {
        kind: "grant",
        token,
        code: auth.code,
        callbackUrls: urls?.oauthToken && urls.stateCallback ? { oauthToken: urls.oauthToken, stateCallback: urls.stateCallback } : null,
        respond: (r) => (r.ok ? st.acknowledgement(type, requestId) : st.globalError(type, requestId, r.message, GlobalErrorTypes.INVALID_CODE)),
      };
    }
    case "integrationDeleted":
      return { kind: "unlink", token, respond: () => st.acknowledgement(type, requestId) };
    case "interactionResult":
      return { kind: "ack", token, respond: () => st.acknowledgement(type, requestId) };
    default:
      throw new PartnerRequestError(400, GlobalErrorTypes.INVALID_INTERACTION_TYPE, `Unsupported interactionType: '${type}'`);
  }
}

/** A refused interaction as SmartThings expects it: the globalError shape, with the token error for a token that names no link. */
export function interactionError(err: PartnerRequestError, body: unknown) {
  const headers = (body as Interaction | null)?.headers;
  const errorEnum = err.status === 401 ? GlobalErrorTypes.INVALID_TOKEN : err.type;
  return { status: err.status, body: st.globalError(headers?.interactionType ?? "interactionResult", headers?.requestId ?? "", err.message, errorEnum) };
}
