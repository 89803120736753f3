// What the SmartThings adapter builds validates against the shapes SmartThings publishes, and the
// checker is no rubber stamp: a wrong attribute, value, unit or shape is refused.
import { describe, expect, it } from "vitest";
import { createMessageChecker } from "../conformance";
import type { DeviceDescription } from "../types";
import * as st from "./messages";
import { readInteraction } from "./interactions";
import { PartnerRequestError } from "../adapter";

const thermostat: DeviceDescription = {
  deviceId: "0b9c7f4e-2f0a-4f57-9c43-1c1f5a0e0a01",
  name: "Hall thermostat",
  room: "Hall",
  modelKey: "proviso-t1",
  modelName: "Proviso Thermostat T1",
  kind: "thermostat",
  categories: ["user.device.sensor.temperature", "user.device.sensor.humidity"],
  allowedModes: { "user.device.sensor.temperature": ["on_request", "proactive"] },
};
const sensor: DeviceDescription = { ...thermostat, deviceId: "0b9c7f4e-2f0a-4f57-9c43-1c1f5a0e0a02", kind: "sensor", name: "Room sensor" };
const lock: DeviceDescription = { ...thermostat, deviceId: "0b9c7f4e-2f0a-4f57-9c43-1c1f5a0e0a03", kind: "lock", name: "Front door" };
const check = createMessageChecker().smartthings;
const expectValid = (body: unknown) => expect(check(body), JSON.stringify(body)).toEqual({ valid: true, errors: [] });

describe("SmartThings conformance (SmartThings Schema's published shapes)", () => {
  it("state callbacks carry each property as its capability's attribute, with SmartThings' values and units", () => {
    const all = {
      temperature: 21.5,
      heatingSetpoint: 20,
      coolingSetpoint: 24,
      hvacMode: "eco",
      humidity: 40,
      occupancy: true,
      lockState: "jammed",
      contactState: "open",
      connectivity: "unreachable",
      energyWh: 1200,
    };
    const body = st.stateCallback("m-1", "cb-token", thermostat.deviceId, all);
    expectValid(body);
    const states = body.deviceState[0]!.states;
    expect(states).toContainEqual({ component: "main", capability: "st.temperatureMeasurement", attribute: "temperature", value: 21.5, unit: "C" });
    expect(states).toContainEqual({ component: "main", capability: "st.motionSensor", attribute: "motion", value: "active" });
    expect(states).toContainEqual({ component: "main", capability: "st.lock", attribute: "lock", value: "unknown" });
    expect(states).toContainEqual({ component: "main", capability: "st.healthCheck", attribute: "healthStatus", value: "offline" });
    expect(body.authentication).toEqual({ tokenType: "Bearer", token: "cb-token" });
    expect(body.headers).toEqual({ schema: "st-schema", version: "1.0", interactionType: "stateCallback", requestId: "m-1" });
  });

  it("discovery, state refresh, command and token messages validate; so does a device deleted", () => {
    expectValid(st.discoveryResponse("r-1", [thermostat, sensor, lock]));
    expectValid(st.discoveryCallback("r-2", "cb", [thermostat]));
    expectValid(st.devicesDeleted("r-3", "cb", [lock.deviceId]));
    expectValid(
      st.stateRefreshResponse("r-4", [
        { deviceId: thermostat.deviceId, state: { temperature: 19 } },
        { deviceId: lock.deviceId, state: {} },
      ]),
    );
    expectValid(st.commandResponse("r-5", [lock.deviceId]));
    expectValid(st.tokenRequest("r-6", { clientId: "c", clientSecret: "s" }, { code: "abc" }));
    expectValid(st.tokenRequest("r-7", { clientId: "c", clientSecret: "s" }, { refreshToken: "rt" }));
    expectValid(st.globalError("stateRefreshRequest", "r-8", "no", "INVALID-TOKEN"));
    const discovered = st.discoveryResponse("r-1", [thermostat, sensor, lock]) as {
      devices: { deviceHandlerType: string; manufacturerInfo: object; deviceContext: object }[];
    };
    expect(discovered.devices.map((d) => d.deviceHandlerType)).toEqual(["c2c-thermostat", "c2c-motion", "c2c-lock"]);
    expect(discovered.devices[0]).toMatchObject({
      manufacturerInfo: { manufacturerName: "Proviso", modelName: "Proviso Thermostat T1" },
      deviceContext: { roomName: "Hall" },
    });
  });

  it("refuses what SmartThings would not take", () => {
    const good = st.stateCallback("m-1", "cb", thermostat.deviceId, { temperature: 21 });
    const state = good.deviceState[0]!.states[0]!;
    for (const bad of [
      { ...good, deviceState: [{ externalDeviceId: thermostat.deviceId, states: [{ ...state, attribute: "temp" }] }] },
      { ...good, deviceState: [{ externalDeviceId: thermostat.deviceId, states: [{ ...state, unit: "K" }] }] },
      {
        ...good,
        deviceState: [
          { externalDeviceId: thermostat.deviceId, states: [{ ...state, capability: "st.lock", attribute: "lock", value: "jammed", unit: undefined }] },
        ],
      },
      { ...good, deviceState: [] },
      { ...good, authentication: { tokenType: "Bearer" } },
      { ...good, headers: { ...good.headers, schema: "other" } },
      { ...good, extra: 1 },
      { headers: { ...good.headers, interactionType: "somethingElse" } },
    ]) {
      expect(check(JSON.parse(JSON.stringify(bad))).valid, JSON.stringify(bad)).toBe(false);
    }
  });

  it("reads each interaction SmartThings sends, and refuses a grant for another connector's client", () => {
    const h = (interactionType: string) => ({ schema: "st-schema", version: "1.0", interactionType, requestId: "q" });
    expect(readInteraction({ headers: h("discoveryRequest"), authentication: { token: "t" } }, "me").kind).toBe("discover");
    expect(readInteraction({ headers: h("stateRefreshRequest"), authentication: { token: "t" }, devices: [{ externalDeviceId: "d" }] }, "me")).toMatchObject({
      kind: "state",
      deviceIds: ["d"],
    });
    expect(readInteraction({ headers: h("integrationDeleted"), authentication: { token: "t" } }, "me").kind).toBe("unlink");
    const grant = readInteraction(
      {
        headers: h("grantCallbackAccess"),
        authentication: { token: "t" },
        callbackAuthentication: { grantType: "authorization_code", code: "c", clientId: "me" },
        callbackUrls: { oauthToken: "https://x/token", stateCallback: "https://x/cb" },
      },
      "me",
    );
    expect(grant).toMatchObject({ kind: "grant", code: "c", callbackUrls: { oauthToken: "https://x/token", stateCallback: "https://x/cb" } });
    expect(() =>
      readInteraction({ headers: h("grantCallbackAccess"), authentication: { token: "t" }, callbackAuthentication: { clientId: "someone-else" } }, "me"),
    ).toThrow(PartnerRequestError);
    expect(() => readInteraction({ headers: h("fooRequest"), authentication: { token: "t" } }, "me")).toThrow(/Unsupported interactionType/);
  });
});
