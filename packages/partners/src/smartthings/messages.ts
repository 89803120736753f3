// SmartThings Schema (cloud-to-cloud connector) messages, built with SmartThings' own `st-schema`
// classes where it has them (responses, errors) and in its documented shape where it only sends
// them itself (the callbacks). Every message is plain JSON by the time it leaves here.
import { stSchema } from "./st-schema";
import type { DeviceDescription, DeviceState } from "../types";
import { DEVICE_HANDLER, toStates } from "./capabilities";

const { STBase, DiscoveryResponse, StateRefreshResponse, CommandResponse, DeviceErrorTypes } = stSchema;

/** Plain JSON: the classes keep private symbols and methods a message does not carry. */
const plain = <T>(o: unknown): T => JSON.parse(JSON.stringify(o)) as T;

/** The devices a partner may be told of, as SmartThings discovers them (on a discovery request, or in a discovery callback). */
function discovered(requestId: string, devices: DeviceDescription[]) {
  const response = new DiscoveryResponse(requestId);
  for (const d of devices) {
    response.addDevice(d.deviceId, d.name, DEVICE_HANDLER[d.kind]).manufacturerName("Proviso").modelName(d.modelName).roomName(d.room);
  }
  return response;
}

/** `discoveryResponse`: the answer to a discovery request. */
export const discoveryResponse = (requestId: string, devices: DeviceDescription[]) => plain<Record<string, unknown>>(discovered(requestId, devices));

/** `stateRefreshResponse`: each asked device's allowed state. */
export function stateRefreshResponse(requestId: string, states: { deviceId: string; state: DeviceState }[]) {
  const response = new StateRefreshResponse(requestId);
  // A device with nothing it may tell still answers, with no states (not a missing list).
  for (const s of states) response.addDevice(s.deviceId, toStates(s.state)).states ??= [];
  return plain<Record<string, unknown>>(response);
}

/** `commandResponse`: Proviso shares data, it does not control devices; every command is refused per device. */
export function commandResponse(requestId: string, deviceIds: string[]) {
  const response = new CommandResponse(requestId);
  for (const id of deviceIds) response.addDevice(id).setError("Proviso does not control devices", DeviceErrorTypes.CAPABILITY_NOT_SUPPORTED);
  return plain<Record<string, unknown>>(response);
}

/** The answer to an interaction that carries nothing back (grantCallbackAccess, integrationDeleted, interactionResult). */
export const acknowledgement = (interactionType: string, requestId: string) => plain<Record<string, unknown>>(new STBase(interactionType, requestId));

/** A refused interaction: SmartThings' `globalError`. */
export const globalError = (interactionType: string, requestId: string, detail: string, errorEnum: string) =>
  plain<Record<string, unknown>>(new STBase(interactionType, requestId).setError(detail, errorEnum));

/** A callback we POST to SmartThings, with the callback token it granted. */
function callback(interactionType: "stateCallback" | "discoveryCallback", requestId: string, token: string) {
  return { headers: new STBase(interactionType, requestId).headers, authentication: { tokenType: "Bearer", token } };
}

/** `stateCallback`: a device's state, proactively. */
export function stateCallback(requestId: string, token: string, deviceId: string, state: DeviceState) {
  return { ...callback("stateCallback", requestId, token), deviceState: [{ externalDeviceId: deviceId, states: toStates(state) }] };
}

/** `discoveryCallback`: devices new or changed, proactively. */
export function discoveryCallback(requestId: string, token: string, devices: DeviceDescription[]) {
  return { ...callback("discoveryCallback", requestId, token), devices: plain<unknown[]>(discovered(requestId, devices).devices ?? []) };
}

/** Devices SmartThings must forget (a model withdrawn from discovery): a state callback with `DEVICE-DELETED`. */
export function devicesDeleted(requestId: string, token: string, deviceIds: string[]) {
  return {
    ...callback("stateCallback", requestId, token),
    deviceState: deviceIds.map((externalDeviceId) => ({
      externalDeviceId,
      deviceError: [{ errorEnum: DeviceErrorTypes.DEVICE_DELETED, detail: "no longer shared with SmartThings" }],
    })),
  };
}

/** `accessTokenRequest` / `refreshAccessTokens`: exchanging the granted code, refreshing the callback token. */
export function tokenRequest(requestId: string, client: { clientId: string; clientSecret: string }, grant: { code: string } | { refreshToken: string }) {
  const interactionType = "code" in grant ? "accessTokenRequest" : "refreshAccessTokens";
  return {
    headers: new STBase(interactionType, requestId).headers,
    callbackAuthentication:
      "code" in grant
        ? { grantType: "authorization_code", code: grant.code, clientId: client.clientId, clientSecret: client.clientSecret }
        : { grantType: "refresh_token", refreshToken: grant.refreshToken, clientId: client.clientId, clientSecret: client.clientSecret },
  };
}
