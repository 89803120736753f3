// SmartThings end to end, through the running product: the launcher installed its Schema connector
// for every home linked to it (discovery, then callback access granted); a device's report reaches
// SmartThings' state callback within the terms and the homeowner's consent; SmartThings refreshing
// state gets only what on-request terms and consent allow; deleting the integration unlinks the home.
import { expect, signInViaApi, test } from "./fixtures";
import { device, platformToken, sandboxAuth, sandboxMessages, SANDBOX, settled, withDb, workersCaughtUp, waitFor } from "./product";

const T = "user.device.sensor.temperature";
const HUMIDITY = "user.device.sensor.humidity";

interface StState {
  capability: string;
  attribute: string;
  value: unknown;
}
type DeviceStates = { externalDeviceId: string; states: StState[] }[];
const attributes = (states: StState[]) => states.map((s) => `${s.capability}.${s.attribute}`);

/** A seeded home linked to SmartThings, with the thermostat SmartThings was told of at install. */
async function smartthingsHome() {
  return withDb(async (c) => {
    const { rows } = await c.query(
      `select u.email, h.id as home_id, l.id as link_id, d.id as thermostat from homes h
         join home_memberships m on m.home_id = h.id join users u on u.id = m.user_id
         join partner_links l on l.home_id = h.id and l.partner_id = 'smartthings' and l.status = 'active' and l.callback_urls is not null
         join devices d on d.home_id = h.id join device_models dm on dm.id = d.model_id and dm.kind = 'thermostat'
        order by u.email limit 1`,
    );
    return rows[0] as { email: string; home_id: string; link_id: string; thermostat: string };
  });
}

async function askSmartThings(linkId: string, interactionType: string, deviceIds: string[] = []) {
  const res = await fetch(`${SANDBOX}/__sandbox/smartthings/ask`, {
    method: "POST",
    headers: sandboxAuth(),
    body: JSON.stringify({ token: await platformToken("smartthings", linkId), interactionType, deviceIds }),
  });
  expect(res.status).toBe(200);
  // The sandbox answers with the connector's answer to SmartThings: its status and body.
  return (await res.json()) as { status: number; body: { deviceState?: DeviceStates } };
}

test("SmartThings hears state within its terms, gets on request only what consent allows, and its deletion unlinks the home", async ({ page, setConsent }) => {
  test.setTimeout(90_000);
  const home = await smartthingsHome();
  expect(home, "a seeded home linked to SmartThings, installed by the launcher").toBeTruthy();
  // The install: SmartThings discovered the home's devices (its answer checked against its shapes).
  const installed = await sandboxMessages({ partner: "smartthings" });
  expect(installed.length).toBeGreaterThan(0);

  // Temperature as it changes (clause 2.1, rounded to 1 °C); humidity off by the homeowner.
  await setConsent(home.email, home.home_id, "smartthings", T, "proactive");
  await setConsent(home.email, home.home_id, "smartthings", HUMIDITY, "off");
  await workersCaughtUp();
  const dev = device();
  try {
    const report = await dev.report(home.thermostat, { temperature: 22.7, humidity: 43, heatingSetpoint: 19.5 });
    const { outbox } = await settled(home.thermostat, report);
    expect(outbox.filter((o) => o.partner_id === "smartthings")).toEqual([expect.objectContaining({ status: "delivered" })]);
    const callback = await waitFor("SmartThings' state callback", async () =>
      (await sandboxMessages({ partner: "smartthings", device: home.thermostat })).find(
        (m) => (m.body as { headers?: { interactionType?: string } }).headers?.interactionType === "stateCallback",
      ),
    );
    expect(callback).toMatchObject({ status: 200, schemaValid: true });
    const sent = (callback.body as { deviceState: DeviceStates }).deviceState;
    expect(sent.map((d) => d.externalDeviceId)).toEqual([home.thermostat]);
    expect(attributes(sent[0]!.states)).toEqual(["st.temperatureMeasurement.temperature"]);
    expect(sent[0]!.states[0]!.value).toBe(23);

    // SmartThings asks: on request, temperature; humidity still off.
    await setConsent(home.email, home.home_id, "smartthings", T, "on_request");
    await workersCaughtUp();
    const refresh = await askSmartThings(home.link_id, "stateRefreshRequest", [home.thermostat]);
    expect(refresh.status).toBe(200);
    expect(attributes(refresh.body.deviceState![0]!.states)).toEqual(["st.temperatureMeasurement.temperature"]);

    // The integration deleted in SmartThings' app: the link ends, the homeowner sees it, nothing more goes.
    expect((await askSmartThings(home.link_id, "integrationDeleted")).status).toBe(200);
    await signInViaApi(page.request, "homeowner", home.email);
    await page.goto("/home");
    await expect(page.getByRole("region", { name: "What SmartThings gets" })).toContainText("This platform is unlinked: nothing is shared.");
    await expect(page.getByRole("region", { name: "Deletion requests" })).toContainText("SmartThings must delete your home's data by");
    await workersCaughtUp();
    const before = (await sandboxMessages({ partner: "smartthings", device: home.thermostat })).length;
    const after = await settled(home.thermostat, await dev.report(home.thermostat, { temperature: 24.2 }));
    expect(after.outbox.filter((o) => o.partner_id === "smartthings")).toEqual([]);
    expect((await sandboxMessages({ partner: "smartthings", device: home.thermostat })).length).toBe(before);
  } finally {
    await dev.close();
  }
});
