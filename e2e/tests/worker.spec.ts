// The worker end to end: devices over MQTT, the real worker, the partner sandbox checking every
// message against the platform's schema. With DATABASE_URL / MQTT_URL set (CI) this runs on
// PostgreSQL and Mosquitto; otherwise on the embedded defaults.
import { expect, test } from "./fixtures";
import { newThermostatBesideGoogle } from "./fleet";
import {
  credentialOf,
  device,
  idOf,
  ownerEmailOf,
  quiet,
  sandboxAuth,
  sandboxMessages,
  SANDBOX,
  settled,
  sleep,
  startWorkerReplica,
  waitFor,
  withDb,
  workersCaughtUp,
  WORKER,
  platformToken,
} from "./product";

const HOMEOWNER = "homeowner@proviso.test";
/** The state of an outbox message about a device, found by a value it carries. */
const messageCarrying = (deviceId: string, fragment: string) =>
  withDb(
    async (c) =>
      (
        await c.query("select status, leased_until, last_error from outbox where device_id = $1 and payload::text like $2 order by id desc limit 1", [
          deviceId,
          `%${fragment}%`,
        ])
      ).rows[0],
  );

const T = "user.device.sensor.temperature";
const SETPOINT = "user.device.sensor.setpoint";
const HVAC = "user.device.sensor.hvac_mode";
const LOCK = "user.device.sensor.lock_state";
const CONNECTIVITY = "user.device.telemetry.connectivity";

type GoogleBody = { payload: { devices: { states: Record<string, Record<string, unknown>> } } };
/** A Report State's state for the device ({} for any other message about it, such as a SYNC answer). */
const googleState = (m: { body: unknown }, deviceId: string) => (m.body as Partial<GoogleBody>).payload?.devices?.states?.[deviceId] ?? {};

test.describe.configure({ mode: "serial" });

test("state changes flow by consent, revocation stops them mid-stream, and bad reports are quarantined", async ({ setConsent }) => {
  test.setTimeout(90_000);
  const home = await idOf(
    "select h.id from homes h join users u on true join home_memberships m on m.home_id = h.id and m.user_id = u.id where u.email = 'homeowner@proviso.test'",
    [],
  );
  const thermostat = await idOf("select d.id from devices d join device_models m on m.id = d.model_id where d.home_id = $1 and m.kind = 'thermostat'", [home]);
  const lock = await idOf("select d.id from devices d join device_models m on m.id = d.model_id where d.home_id = $1 and m.kind = 'lock'", [home]);
  for (const c of [T, SETPOINT, HVAC]) await setConsent(HOMEOWNER, home, "google-home", c, "proactive");
  await setConsent(HOMEOWNER, home, "google-home", LOCK, "on_request");
  await workersCaughtUp();
  const dev = device();

  // 0. Google is told the devices' reporting changed (requestSync) and asks SYNC again, as Home
  //    Graph does: the answer (schema-checked) declares the thermostat reported as it changes and
  //    the lock on request only.
  type SyncDevice = { id: string; willReportState: boolean; traits: string[] };
  const synced = await waitFor("Google's SYNC to show the new consents", async () => {
    const answers = (await sandboxMessages({ partner: "google-home", device: thermostat })).filter((m) => m.endpoint.endsWith("(SYNC response)"));
    const last = answers.at(-1);
    const devices = (last?.body as { payload?: { devices?: SyncDevice[] } } | undefined)?.payload?.devices ?? [];
    const t = devices.find((d) => d.id === thermostat);
    const l = devices.find((d) => d.id === lock);
    return t?.willReportState === true && l?.willReportState === false && l.traits.includes("action.devices.traits.LockUnlock") && last;
  });
  expect(synced).toMatchObject({ status: 200, schemaValid: true });

  // 1. A proactively consented change reaches Google as a schema-valid Report State.
  await dev.report(thermostat, { temperature: 21, heatingSetpoint: 30, hvacMode: "heat" });
  const delivered = await waitFor("Google to receive setpoint 30", async () =>
    (await sandboxMessages({ partner: "google-home", device: thermostat })).find((m) => googleState(m, thermostat).thermostatTemperatureSetpoint === 30),
  );
  expect(delivered.status).toBe(200);
  expect(delivered.schemaValid).toBe(true);
  // The whole TemperatureSetting trait; the ambient temperature is 21 or, inside clause 2.1's
  // 60-second minimum interval, the value Google already had.
  expect(googleState(delivered, thermostat)).toMatchObject({ thermostatMode: "heat", thermostatTemperatureAmbient: expect.any(Number) });

  // 2. A category without proactive consent never does (lock state: on request only): the report
  //    is committed and decided, and nothing is queued for Google.
  // The opposite of what the lock last said, so that the report is a change.
  const was = await withDb(
    async (c) => (await c.query("select properties->'lockState'->>'value' as v from device_shadow where device_id = $1", [lock])).rows[0]?.v,
  );
  const unlocked = await dev.report(lock, { lockState: was === "unlocked" ? "locked" : "unlocked" }, "voice");
  const lockDecided = await settled(lock, unlocked);
  expect(lockDecided.decisions.filter((d) => d.partner_id === "google-home").map((d) => d.outcome)).toEqual(["withhold"]);
  expect(lockDecided.outbox.filter((o) => o.partner_id === "google-home")).toEqual([]);

  await revokedMidStream(dev, setConsent, home, thermostat);

  // 4. Bad reports land in quarantine with their reason while good ones flow on.
  await setConsent(HOMEOWNER, home, "google-home", SETPOINT, "proactive");
  await workersCaughtUp();
  const marker = `bad-${Date.now()}`;
  await dev.raw(thermostat, `{"${marker}": `);
  await dev.report(thermostat, { humidity: 140 });
  const http = await fetch(`${WORKER}/v1/state-reports`, {
    method: "POST",
    headers: { authorization: `Bearer ${credentialOf(thermostat).token}` },
    body: JSON.stringify([{ v: 1, deviceId: thermostat, seq: 1, observedAt: "2099-01-01T00:00:00Z", cause: "app", properties: { temperature: 20 } }]),
  });
  expect(((await http.json()) as { results: { code?: string }[] }).results[0]!.code).toBe("FUTURE_TIMESTAMP");
  await dev.report(thermostat, { heatingSetpoint: 29 });
  await waitFor("Google to receive setpoint 29", async () =>
    (await sandboxMessages({ partner: "google-home", device: thermostat })).find((m) => googleState(m, thermostat).thermostatTemperatureSetpoint === 29),
  );
  const quarantined = await withDb((c) =>
    c.query("select reason_code, reason from quarantine where device_ref = $1 or raw like $2 order by id", [thermostat, `%${marker}%`]),
  );
  const codes = quarantined.rows.map((r) => r.reason_code);
  expect(codes).toEqual(expect.arrayContaining(["BAD_JSON", "OUT_OF_RANGE", "FUTURE_TIMESTAMP"]));
  expect(quarantined.rows.find((r) => r.reason_code === "OUT_OF_RANGE")!.reason).toMatch(/humidity/);
  await dev.close();
});

/**
 * 3. The partner is slow and messages queue; the homeowner revokes mid-stream. A message in flight
 *    when the revocation commits is not recalled; one queued behind it is stopped at delivery, its
 *    row says why; nothing observed after the revocation goes out, and the ledger says why.
 */
async function revokedMidStream(
  dev: ReturnType<typeof device>,
  setConsent: (o: string, h: string, p: string, c: string, m: "off") => Promise<void>,
  home: string,
  thermostat: string,
) {
  await fetch(`${SANDBOX}/__sandbox/faults/google-home`, { method: "POST", headers: sandboxAuth(), body: JSON.stringify({ latencyMs: 4_000 }) });
  try {
    // In flight: claimed and leased, its answer four seconds away.
    await dev.report(thermostat, { heatingSetpoint: 31 });
    await waitFor("setpoint 31 to be in flight", async () => (await messageCarrying(thermostat, '"heatingSetpoint":31'))?.leased_until);
    // Queued behind it: the next round waits for this one's end.
    const queued = await dev.report(thermostat, { heatingSetpoint: 32 });
    await waitFor("setpoint 32 to be queued", async () => (await messageCarrying(thermostat, '"heatingSetpoint":32'))?.status === "pending");
    await setConsent(HOMEOWNER, home, "google-home", SETPOINT, "off");
    await workersCaughtUp();
    const after = await dev.report(thermostat, { heatingSetpoint: 33 });
    await settled(thermostat, queued);
    const afterDecided = await settled(thermostat, after);
    expect(afterDecided.decisions.find((d) => d.partner_id === "google-home" && d.category_key === SETPOINT)).toMatchObject({ outcome: "withhold" });
    expect(await messageCarrying(thermostat, '"heatingSetpoint":31')).toMatchObject({ status: "delivered" });
    expect(await messageCarrying(thermostat, '"heatingSetpoint":32')).toMatchObject({ status: "cancelled", last_error: "withheld at delivery: CONSENT_OFF" });
  } finally {
    await fetch(`${SANDBOX}/__sandbox/faults/google-home`, { method: "DELETE", headers: sandboxAuth() });
  }
  await quiet(thermostat);
  const setpoints = (await sandboxMessages({ partner: "google-home", device: thermostat })).map(
    (m) => googleState(m, thermostat).thermostatTemperatureSetpoint,
  );
  expect(setpoints).toContain(31);
  expect(setpoints).not.toContain(32);
  expect(setpoints).not.toContain(33);
  const ledger = await withDb((c) =>
    c.query(
      `select d.stage, d.outcome, d.reasons, (e.properties->>'heatingSetpoint')::numeric as sp from decisions d join state_events e on e.id = d.state_event_id
        where d.device_id = $1 and d.partner_id = 'google-home' and d.category_key = $2 and (e.properties->>'heatingSetpoint')::numeric in (32, 33) order by d.id`,
      [thermostat, SETPOINT],
    ),
  );
  // 32 was decided "send" at its change and withheld at delivery; 33 withheld at its change.
  expect(ledger.rows.map((r) => [Number(r.sp), r.stage, r.outcome])).toEqual([
    [32, "change", "send"],
    [33, "change", "withhold"],
  ]);
  const redecided = await withDb((c) =>
    c.query(
      "select outcome, reasons from decisions where device_id = $1 and partner_id = 'google-home' and category_key = $2 and stage = 'delivery' order by id desc limit 1",
      [thermostat, SETPOINT],
    ),
  );
  expect(redecided.rows[0]).toMatchObject({ outcome: "withhold" });
  expect(redecided.rows[0].reasons.map((r: { code: string }) => r.code)).toContain("CONSENT_OFF");
}

test("two worker replicas split a device's reports and still hold the agreed minimum interval between them", async ({ setConsent }) => {
  test.setTimeout(120_000);
  // A new thermostat in another home linked to Google, which follows its temperature as it changes.
  const added = await newThermostatBesideGoogle("Replica test thermostat", `E2E-REPLICA-${Date.now()}`);
  // Google takes whole traits: the thermostat's first report carries all of TemperatureSetting.
  const owner = await ownerEmailOf(added.home_id);
  for (const c of [T, SETPOINT, HVAC]) await setConsent(owner, added.home_id, "google-home", c, "proactive");
  const replica = await startWorkerReplica(3111);
  try {
    await workersCaughtUp([WORKER, replica.url]); // both workers have the new device and the consent
    // Eight temperatures a quarter of a second apart, handed to the two workers in turn (as a shared
    // subscription hands them out). Google's clause 2.1 allows a temperature at most every 60 s.
    // The thermostat posts them itself, with its own credential (issued as it would be when provisioned).
    const token = credentialOf(added.id).token;
    const firstSeq = 0;
    let seq = firstSeq;
    for (let i = 0; i < 8; i++) {
      const res = await fetch(`${i % 2 === 0 ? WORKER : replica.url}/v1/state-reports`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify([
          {
            v: 1,
            deviceId: added.id,
            seq: ++seq,
            observedAt: new Date().toISOString(),
            cause: "physical",
            properties: i === 0 ? { temperature: 22, heatingSetpoint: 20, hvacMode: "heat" } : { temperature: 22 + i },
          },
        ]),
      });
      expect(res.status).toBe(200);
      await sleep(250);
    }
    const decided = await withDb((c) =>
      c.query(
        `select d.outcome, d.reasons from decisions d join state_events e on e.id = d.state_event_id
          where d.device_id = $1 and d.partner_id = 'google-home' and d.category_key = $2 and d.stage = 'change' and e.seq > $3 order by d.id`,
        [added.id, T, firstSeq],
      ),
    );
    expect(decided.rows).toHaveLength(8);
    expect(decided.rows[0].outcome).not.toBe("withhold");
    for (const d of decided.rows.slice(1)) expect(d).toMatchObject({ outcome: "withhold", reasons: [expect.objectContaining({ code: "MIN_INTERVAL" })] });
    // And Google hears it once.
    // (Report State only: the new device also makes the worker send requestSync, and Google's SYNC
    // answer names it.)
    const reported = async () =>
      (await sandboxMessages({ partner: "google-home", device: added.id })).filter((m) => m.endpoint === "/google/v1/devices:reportStateAndNotification");
    await waitFor("Google to receive the first temperature", async () => (await reported()).length > 0);
    await quiet(added.id); // every message about the thermostat has ended: nothing more is coming
    const got = await reported();
    expect(got.map((m) => googleState(m, added.id).thermostatTemperatureAmbient)).toEqual([22]);
  } finally {
    await replica.stop();
  }
});

test("a device that falls silent becomes unreachable and Google hears it; heard from again, it is back", async ({ setConsent }) => {
  test.setTimeout(120_000);
  const added = await newThermostatBesideGoogle("Connectivity test thermostat", `E2E-SILENT-${Date.now()}`);
  // Google's agreement in force shares connectivity as it changes; this homeowner says yes to it.
  const owner = await ownerEmailOf(added.home_id);
  for (const c of [T, SETPOINT, HVAC, CONNECTIVITY]) await setConsent(owner, added.home_id, "google-home", c, "proactive");
  await workersCaughtUp();
  const dev = device();
  const reportStates = async () =>
    (await sandboxMessages({ partner: "google-home", device: added.id })).filter((m) => m.endpoint === "/google/v1/devices:reportStateAndNotification");
  try {
    await dev.report(added.id, { temperature: 21, heatingSetpoint: 20, hvacMode: "heat" }, "physical");
    await waitFor("Google to hear the thermostat", async () => (await reportStates()).length > 0);
    // Silent past DEVICE_UNREACHABLE_SECONDS (15 s in these tests; the worker looks every 10 s).
    const offline = await waitFor(
      "Google to hear the thermostat is offline",
      async () => (await reportStates()).find((m) => googleState(m, added.id).online === false),
      60_000,
    );
    expect(offline).toMatchObject({ status: 200, schemaValid: true });
    const metrics = await (await fetch(`${WORKER}/metrics`)).text();
    expect(Number(/^proviso_devices_unreachable (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    const shadow = await withDb((c) => c.query("select reachable from device_shadow where device_id = $1", [added.id]));
    expect(shadow.rows[0].reachable).toBe(false);
    // Heard from again: reachable, and Google hears that too.
    await dev.report(added.id, { temperature: 21.5 }, "periodic");
    const back = await waitFor(
      "Google to hear the thermostat is back",
      async () => (await reportStates()).find((m) => m.seq > offline.seq && googleState(m, added.id).online === true),
      30_000,
    );
    expect(back.schemaValid).toBe(true);
  } finally {
    await dev.close();
  }
});

test("partners asking get only what on-request terms and consent allow", async ({ setConsent }) => {
  const home = await idOf("select m.home_id as id from home_memberships m join users u on u.id = m.user_id where u.email = 'homeowner@proviso.test'", []);
  const link = await idOf("select id from partner_links where home_id = $1 and partner_id = 'alexa'", [home]);
  const thermostat = await idOf("select d.id from devices d join device_models m on m.id = d.model_id where d.home_id = $1 and m.kind = 'thermostat'", [home]);
  await setConsent(HOMEOWNER, home, "alexa", T, "on_request");
  await setConsent(HOMEOWNER, home, "alexa", SETPOINT, "off");
  await workersCaughtUp();
  const res = await fetch(`${WORKER}/v1/partners/alexa/directives`, {
    method: "POST",
    body: JSON.stringify({
      directive: {
        header: { namespace: "Alexa", name: "ReportState", messageId: "e2e-1", correlationToken: "c-1", payloadVersion: "3" },
        endpoint: { scope: { type: "BearerToken", token: await platformToken("alexa", link) }, endpointId: thermostat },
        payload: {},
      },
    }),
  });
  expect(res.status).toBe(200);
  const report = (await res.json()) as { event: { header: { name: string } }; context: { properties: { namespace: string; name: string }[] } };
  expect(report.event.header.name).toBe("StateReport");
  const names = report.context.properties.map((p) => `${p.namespace}.${p.name}`);
  expect(names).toContain("Alexa.TemperatureSensor.temperature");
  expect(names.some((n) => n.startsWith("Alexa.ThermostatController.") && n.endsWith("Setpoint"))).toBe(false);
  const denied = await fetch(`${WORKER}/v1/partners/google/fulfillment`, {
    method: "POST",
    headers: { authorization: "Bearer not-a-token" },
    body: JSON.stringify({ requestId: "r", inputs: [{ intent: "action.devices.SYNC" }] }),
  });
  expect(denied.status).toBe(401);
});

test("the worker serves its health and Prometheus metrics", async () => {
  const health = await fetch(`${WORKER}/healthz`);
  expect(health.status).toBe(200);
  const metrics = await (await fetch(`${WORKER}/metrics`)).text();
  for (const name of [
    "proviso_reports_total",
    "proviso_decisions_total",
    "proviso_outbox_depth",
    "proviso_delivery_latency_seconds",
    "proviso_partner_errors_total",
    "proviso_shadow_reads_total",
    "proviso_shadow_conflicts_total",
    "proviso_discovery_updates_queued_total",
    "proviso_heartbeats_total",
    "proviso_devices_unreachable",
    "proviso_deliveries_total",
    "proviso_deliveries_deferred_total",
  ]) {
    expect(metrics).toContain(name);
  }
});
