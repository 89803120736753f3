// Devices prove who they are, through the running product (the embedded broker with its access
// control, or Mosquitto with dynamic security in CI): a forged setpoint — published on another
// device's topic with one device's credential, or posted for it over HTTP — never reaches a shadow,
// a decision or a partner, while the genuine thermostat's reports keep flowing; nothing connects
// or reads without a credential.
import mqtt from "mqtt";
import { expect, test } from "./fixtures";
import { credentialOf, device, idOf, MQTT_URL, quiet, sandboxMessages, settled, withDb, workersCaughtUp, WORKER } from "./product";

const HOMEOWNER = "homeowner@proviso.test";
const SETPOINT = "user.device.sensor.setpoint";

test("a forged setpoint never reaches Google while the genuine thermostat keeps reporting", async ({ setConsent }) => {
  test.setTimeout(60_000);
  const home = await idOf("select m.home_id as id from home_memberships m join users u on u.id = m.user_id where u.email = $1", [HOMEOWNER]);
  const kindOf = (kind: string) =>
    idOf("select d.id from devices d join device_models m on m.id = d.model_id where d.home_id = $1 and m.kind = $2", [home, kind]);
  const [thermostat, lock] = [await kindOf("thermostat"), await kindOf("lock")];
  for (const c of [SETPOINT, "user.device.sensor.temperature", "user.device.sensor.hvac_mode"])
    await setConsent(HOMEOWNER, home, "google-home", c, "proactive");
  await workersCaughtUp();
  const setpoints = async () =>
    (await sandboxMessages({ partner: "google-home", device: thermostat })).map(
      (m) =>
        (m.body as { payload?: { devices?: { states?: Record<string, { thermostatTemperatureSetpoint?: number }> } } }).payload?.devices?.states?.[thermostat]
          ?.thermostatTemperatureSetpoint,
    );
  const devices = device();
  try {
    // The lock's own credential, used to speak for the thermostat: over MQTT the broker refuses the publish…
    expect(
      await devices.publishTo(
        lock,
        `proviso/v1/devices/${thermostat}/state`,
        JSON.stringify({
          v: 1,
          deviceId: thermostat,
          seq: 1,
          boot: 99,
          observedAt: new Date().toISOString(),
          cause: "app",
          properties: { heatingSetpoint: 35 },
        }),
      ),
    ).toBe(135);
    // …and over HTTP the worker quarantines it as a device the credential may not speak for.
    const posted = await fetch(`${WORKER}/v1/state-reports`, {
      method: "POST",
      headers: { authorization: `Bearer ${credentialOf(lock).token}` },
      body: JSON.stringify([
        { v: 1, deviceId: thermostat, seq: 1, boot: 99, observedAt: new Date().toISOString(), cause: "app", properties: { heatingSetpoint: 35 } },
      ]),
    });
    expect(((await posted.json()) as { results: { code?: string }[] }).results[0]?.code).toBe("UNAUTHORIZED_DEVICE");
    // Without a credential nothing is taken at all.
    const anonymous = await fetch(`${WORKER}/v1/state-reports`, { method: "POST", body: "[]" });
    expect(anonymous.status).toBe(401);

    // The genuine thermostat goes on, and Google hears it.
    const genuine = await devices.report(thermostat, { heatingSetpoint: 22.5, temperature: 21, hvacMode: "heat" });
    const { decisions } = await settled(thermostat, genuine);
    expect(decisions.find((d) => d.partner_id === "google-home" && d.category_key === SETPOINT)?.outcome).not.toBe("withhold");
    await quiet(thermostat);
    const heard = await setpoints();
    expect(heard).toContain(22.5);
    expect(heard).not.toContain(35);
    const shadow = await withDb((c) => c.query("select properties->'heatingSetpoint'->>'value' as v from device_shadow where device_id = $1", [thermostat]));
    expect(Number(shadow.rows[0].v)).toBe(22.5);
    const quarantined = await withDb((c) =>
      c.query(
        "select reason_code from quarantine where device_ref = $1 and reason_code = 'UNAUTHORIZED_DEVICE' and received_at > now() - interval '1 minute'",
        [thermostat],
      ),
    );
    expect(quarantined.rowCount).toBe(1);
  } finally {
    await devices.close();
  }
});

test("no one connects to the broker without a credential, and a device reads nothing of other devices", async () => {
  const anonymous = await mqtt.connectAsync(MQTT_URL, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5_000 }).then(
    async (c) => {
      await c.endAsync();
      return "connected";
    },
    (err: Error & { code?: number }) => err.code,
  );
  expect(anonymous).toBe(135);
  const lock = await idOf("select d.id from devices d join device_models m on m.id = d.model_id where m.kind = 'lock' limit 1", []);
  const login = credentialOf(lock);
  const c = await mqtt.connectAsync(MQTT_URL, { protocolVersion: 5, reconnectPeriod: 0, clientId: login.keyId, username: login.keyId, password: login.secret });
  try {
    const granted = await c.subscribeAsync("proviso/v1/devices/+/state", { qos: 1 }).then(
      (g) => g[0]!.qos,
      (err: Error & { packet?: { granted?: number[] } }) => err.packet?.granted?.[0],
    );
    expect(granted).toBe(135);
  } finally {
    await c.endAsync();
  }
});
