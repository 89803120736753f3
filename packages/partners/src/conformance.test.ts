// Every message kind the adapters produce validates against the platform's published schema.
import { describe, expect, it } from "vitest";
import * as alexa from "./alexa/messages";
import * as google from "./google/messages";
import * as webhook from "./webhook/messages";
import type { DeviceDescription, StateChange } from "./types";
import {
  alexaDeleteReportValidator,
  alexaSample,
  alexaValidator,
  createMessageChecker,
  googleValidator,
  webhookValidator,
  type Validator,
} from "./conformance";

const T = "user.device.sensor.temperature";
const thermostat: DeviceDescription = {
  deviceId: "0b9c7f4e-2f0a-4f57-9c43-1c1f5a0e0a01",
  name: "Thermostat",
  room: "Living room",
  modelKey: "proviso-t1",
  modelName: "Proviso Thermostat T1",
  kind: "thermostat",
  categories: [T, "user.device.sensor.setpoint", "user.device.sensor.hvac_mode", "user.device.sensor.humidity", "user.device.telemetry.connectivity"],
  allowedModes: {
    [T]: ["on_request", "proactive"],
    "user.device.sensor.setpoint": ["on_request"],
    "user.device.sensor.hvac_mode": ["on_request"],
    "user.device.sensor.humidity": ["proactive"],
  },
};
const sensor: DeviceDescription = {
  ...thermostat,
  deviceId: "0b9c7f4e-2f0a-4f57-9c43-1c1f5a0e0a02",
  name: "Room sensor",
  kind: "sensor",
  modelKey: "proviso-s1",
  categories: [T, "user.device.sensor.occupancy", "user.device.sensor.contact_state"],
  allowedModes: { [T]: ["on_request"], "user.device.sensor.occupancy": ["proactive"], "user.device.sensor.contact_state": ["on_request", "proactive"] },
};
const lock: DeviceDescription = {
  ...thermostat,
  deviceId: "0b9c7f4e-2f0a-4f57-9c43-1c1f5a0e0a03",
  name: "Front door lock",
  kind: "lock",
  modelKey: "proviso-l1",
  categories: ["user.device.sensor.lock_state", "user.device.sensor.contact_state"],
  allowedModes: { "user.device.sensor.lock_state": ["on_request", "proactive"], "user.device.sensor.contact_state": [] },
};

function expectValid(validate: Validator, message: unknown) {
  const ok = validate(message);
  expect(ok, JSON.stringify(validate.errors?.slice(0, 3), null, 1)).toBe(true);
}

const change = (changed: Record<string, unknown>, current: Record<string, unknown> = {}): StateChange => ({
  messageId: "5f8a426e-01e4-4cc9-8b79-65f8bd0fd8a4",
  deviceId: thermostat.deviceId,
  cause: "physical",
  observedAt: "2026-11-24T12:00:00.123456Z",
  changed,
  current,
});

describe("Alexa conformance (Amazon's Smart Home message schema)", () => {
  const validate = alexaValidator();

  it("accepts Amazon's own samples (the validator is set up right)", () => {
    expectValid(validate, alexaSample("ChangeReport/ChangeReport.json"));
    expectValid(validate, alexaSample("StateReport/StateReport.json"));
    expectValid(validate, alexaSample("Discovery/Discovery.response.json"));
    expect(validate({ event: { header: { namespace: "Alexa", name: "ChangeReport" } } })).toBe(false);
  });

  it.each([
    ["temperature", { temperature: 21.5 }],
    ["a setpoint", { heatingSetpoint: 20 }],
    ["a setpoint range", { heatingSetpoint: 19, coolingSetpoint: 24 }],
    ["HVAC mode", { hvacMode: "eco" }],
    ["humidity", { humidity: 41 }],
    ["occupancy", { occupancy: true }],
    ["lock state", { lockState: "jammed" }],
    ["contact state", { contactState: "open" }],
    ["connectivity", { connectivity: "unreachable" }],
  ])("ChangeReport with %s", (_what, changed) => {
    const message = alexa.changeReport(change(changed, { temperature: 20, connectivity: "ok" }), "token-1");
    expectValid(validate, message);
    expect(message.event.payload.change.cause.type).toBe("PHYSICAL_INTERACTION");
  });

  it("keeps timeOfSample to UTC with at most 3 fractional digits", () => {
    const message = alexa.changeReport(change({ temperature: 21 }), "t");
    expect(message.event.payload.change.properties[0]!.timeOfSample).toBe("2026-11-24T12:00:00.123Z");
  });

  it("StateReport answers ReportState with the correlation token", () => {
    const message = alexa.stateReport({
      messageId: "m-1",
      correlationToken: "dFMb0z+PgpgdDmluhJ1LddFvSqZ/jCc8ptlAKulUj90jSqg==",
      token: "t",
      deviceId: lock.deviceId,
      state: { lockState: "locked", connectivity: "ok" },
      observedAt: "2026-11-24T12:00:00Z",
    });
    expectValid(validate, message);
    expect(message.event.payload).toEqual({});
  });

  it("Discover.Response and AddOrUpdateReport declare flags that follow what is allowed", () => {
    const response = alexa.discoveryResponse("m-2", [thermostat, sensor, lock]);
    expectValid(validate, response);
    const caps = response.event.payload.endpoints[0]!.capabilities as { interface: string; properties?: Record<string, unknown> }[];
    const temp = caps.find((c) => c.interface === "Alexa.TemperatureSensor")!;
    expect(temp.properties).toMatchObject({ retrievable: true, proactivelyReported: true });
    const thermo = caps.find((c) => c.interface === "Alexa.ThermostatController")!;
    expect(thermo.properties).toMatchObject({
      retrievable: true,
      proactivelyReported: false,
      supported: [{ name: "targetSetpoint" }, { name: "thermostatMode" }],
    });
    // Only what may be told is supported: the mode without the setpoint declares the mode alone.
    const modeOnly = alexa.alexaEndpoint({ ...thermostat, allowedModes: { "user.device.sensor.hvac_mode": ["on_request"] } });
    expectValid(validate, alexa.discoveryResponse("m-2b", [{ ...thermostat, allowedModes: { "user.device.sensor.hvac_mode": ["on_request"] } }]));
    const modeCaps = modeOnly.capabilities as { interface: string; properties?: { supported: { name: string }[] } }[];
    expect(modeCaps.map((c) => c.interface)).toEqual(["Alexa", "Alexa.ThermostatController"]);
    expect(modeCaps[1]!.properties!.supported).toEqual([{ name: "thermostatMode" }]);
    // Lock: contact state is not allowed at all, so ContactSensor is not declared.
    const lockCaps = response.event.payload.endpoints[2]!.capabilities as { interface: string }[];
    expect(lockCaps.map((c) => c.interface)).toEqual(["Alexa", "Alexa.LockController"]);
    const many = Array.from({ length: 301 }, (_, i) => ({ ...sensor, deviceId: `d-${i}` }));
    const reports = alexa.addOrUpdateReports("m-3", "t", many);
    expect(reports.map((r) => r.event.payload.endpoints.length)).toEqual([300, 1]);
    for (const r of reports) expectValid(validate, r);
  });

  it("DeleteReport (which Amazon's published schema predates) checks against the shape derived from its AddOrUpdateReport", () => {
    const deleteReport = alexaDeleteReportValidator();
    const reports = alexa.deleteReports(
      "m-6",
      "t",
      Array.from({ length: 301 }, (_, i) => `d-${i}`),
    );
    expect(reports.map((r) => r.event.payload.endpoints.length)).toEqual([300, 1]);
    for (const r of reports) expectValid(deleteReport, r);
    // Not the published schema's own: Amazon's validator refuses it, which is why it is derived.
    expect(validate(reports[0])).toBe(false);
    // And the derived one is not a rubber stamp: a full endpoint, no endpoints, a bad id, a wrong name.
    const one = reports[1]!;
    const broken = [
      { ...one, event: { ...one.event, payload: { ...one.event.payload, endpoints: [alexa.alexaEndpoint(sensor)] } } },
      { ...one, event: { ...one.event, payload: { ...one.event.payload, endpoints: [] } } },
      { ...one, event: { ...one.event, payload: { ...one.event.payload, endpoints: [{ endpointId: "bad id" }] } } },
      { ...one, event: { ...one.event, header: { ...one.event.header, name: "AddOrUpdateReport" } } },
      { ...one, event: { ...one.event, payload: { endpoints: one.event.payload.endpoints } } },
    ];
    for (const b of broken) expect(deleteReport(b)).toBe(false);
    // The sandbox's checker picks it by its header.
    const checker = createMessageChecker();
    expect(checker.alexa(one).valid).toBe(true);
    expect(checker.alexa(broken[0]).valid).toBe(false);
  });

  it("AcceptGrant.Response, and its error", () => {
    expectValid(validate, alexa.acceptGrantResponse("m-4", true));
    expectValid(validate, alexa.acceptGrantResponse("m-5", { message: "Failed to handle the AcceptGrant directive" }));
  });
});

describe("Google conformance (Google's smart-home schemas)", () => {
  const sync = googleValidator("intents/sync/sync.response.schema.json");
  const query = googleValidator("intents/query/query.response.schema.json");
  const traitStates = {
    TemperatureSetting: googleValidator("traits/temperaturesetting/temperaturesetting.states.schema.json"),
    TemperatureControl: googleValidator("traits/temperaturecontrol/temperaturecontrol.states.schema.json"),
    LockUnlock: googleValidator("traits/lockunlock/lockunlock.states.schema.json"),
    OpenClose: googleValidator("traits/openclose/openclose.states.schema.json"),
  };

  it("Report State carries complete trait state that each trait's schema accepts", () => {
    const body = google.reportStateAndNotification({
      requestId: "r-1",
      agentUserId: "agent-1",
      devices: [
        {
          deviceId: thermostat.deviceId,
          kind: "thermostat",
          state: { temperature: 21.5, heatingSetpoint: 20, hvacMode: "heat", humidity: 40, connectivity: "ok" },
        },
        { deviceId: lock.deviceId, kind: "lock", state: { lockState: "locked", contactState: "closed" } },
        { deviceId: sensor.deviceId, kind: "sensor", state: { temperature: 19 } },
      ],
    });
    const states = body.payload.devices.states;
    expect(states[thermostat.deviceId]).toEqual({
      online: true,
      thermostatMode: "heat",
      thermostatTemperatureAmbient: 21.5,
      thermostatHumidityAmbient: 40,
      thermostatTemperatureSetpoint: 20,
    });
    expectValid(traitStates.TemperatureSetting, states[thermostat.deviceId]);
    expectValid(traitStates.LockUnlock, states[lock.deviceId]);
    expectValid(traitStates.OpenClose, { openPercent: (states[lock.deviceId] as { openPercent: number }).openPercent });
    expectValid(traitStates.TemperatureControl, states[sensor.deviceId]);
    const range = google.googleStates("thermostat", { temperature: 21, heatingSetpoint: 19, coolingSetpoint: 24, hvacMode: "auto" });
    expectValid(traitStates.TemperatureSetting, range);
    // A trait that cannot be complete (setpoint not shareable) is left out, not sent half-filled.
    expect(google.googleStates("thermostat", { temperature: 21, hvacMode: "heat", connectivity: "ok" })).toEqual({ online: true });
  });

  it("requestSync carries the agent user id and nothing the Home Graph call does not take", () => {
    const check = createMessageChecker().googleRequestSync;
    expect(google.requestSync("agent-1")).toEqual({ agentUserId: "agent-1", async: true });
    expect(check(google.requestSync("agent-1"))).toEqual({ valid: true, errors: [] });
    expect(check({ agentUserId: 1 }).valid).toBe(false);
    expect(check({ agentUserId: "a", payload: {} }).valid).toBe(false);
  });

  it("SYNC declares willReportState only where proactive reporting is allowed", () => {
    const response = google.syncResponse("r-2", "agent-1", [thermostat, sensor, lock]);
    expectValid(sync, response);
    expect(response.payload.devices.map((d) => d.willReportState)).toEqual([true, true, true]);
    const quiet = google.syncResponse("r-3", "agent-1", [{ ...thermostat, allowedModes: { [T]: ["on_request"] } }]);
    expectValid(sync, quiet);
    expect(quiet.payload.devices[0]!.willReportState).toBe(false);
    // Connectivity alone as it changes: the lock's state is still asked for, so it does not report state.
    const onlineOnly = google.syncResponse("r-5", "agent-1", [
      {
        ...lock,
        categories: [...lock.categories, "user.device.telemetry.connectivity"],
        allowedModes: { "user.device.sensor.lock_state": ["on_request"], "user.device.telemetry.connectivity": ["on_request", "proactive"] },
      },
    ]);
    expectValid(sync, onlineOnly);
    expect(onlineOnly.payload.devices[0]).toMatchObject({ willReportState: false, traits: ["action.devices.traits.LockUnlock"] });
  });

  it("QUERY answers with the allowed state in Google's format", () => {
    const response = google.queryResponse("r-4", [
      { deviceId: thermostat.deviceId, kind: "thermostat", state: { temperature: 21, hvacMode: "cool", coolingSetpoint: 23 } },
      { deviceId: lock.deviceId, kind: "lock", state: { lockState: "unlocked" } },
    ]);
    expectValid(query, response);
  });
});

describe("webhook conformance (Proviso's own published schema)", () => {
  const validate = webhookValidator();
  const good = () => webhook.webhookStateMessage("smartthings", "0b9c7f4e-2f0a-4f57-9c43-1c1f5a0e0a09", change({ temperature: 21 }));

  it("accepts every state change the adapter builds, connectivity included", () => {
    for (const changed of [{ temperature: 21 }, { lockState: "locked", contactState: "open" }, { occupancy: false }, { connectivity: "unreachable" }]) {
      expectValid(validate, webhook.webhookStateMessage("smartthings", "0b9c7f4e-2f0a-4f57-9c43-1c1f5a0e0a09", change(changed)));
    }
  });

  it("refuses what a receiver could not use", () => {
    for (const bad of [
      { ...good(), deviceId: "lamp-7" },
      { ...good(), properties: {} },
      { ...good(), properties: { mood: "happy" } },
      { ...good(), properties: { temperature: { value: 21 } } },
      { ...good(), cause: "telepathy" },
      { ...good(), observedAt: "yesterday" },
      { ...good(), extra: 1 },
    ]) {
      expect(validate(bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it("checks the signature and that it is fresh", () => {
    const body = JSON.stringify(good());
    const now = 1_800_000_000;
    const key = `whsec_${Buffer.from("s3cret-s3cret-s3cret-s3cret-s3cr").toString("base64")}`;
    const other = `whsec_${Buffer.from("other-secret-other-secret-other!").toString("base64")}`;
    const headers = webhook.signWebhook([key], "m-1", body, now - 10);
    expect(webhook.checkWebhookSignature([key], body, headers, now)).toBeNull();
    expect(webhook.checkWebhookSignature([other, key], body, headers, now)).toBeNull();
    expect(webhook.checkWebhookSignature([key], body, headers, now + webhook.WEBHOOK_TOLERANCE_SECONDS + 11)).toMatch(/from now; at most 300 s/);
    expect(webhook.checkWebhookSignature([key], body, headers, now - webhook.WEBHOOK_TOLERANCE_SECONDS - 11)).toMatch(/from now/);
    expect(webhook.checkWebhookSignature([key], body, { ...headers, "webhook-timestamp": "soon" }, now)).toMatch(/not a Unix time/);
    expect(webhook.checkWebhookSignature([other], body, headers, now)).toMatch(/no signature made with this receiver's secret/);
  });
});
