// The homeowner sees devices with their live state, refreshed without reloading the page.
import AxeBuilder from "@axe-core/playwright";
import { expect, signInViaApi, test } from "./fixtures";
import { device, idOf, quiet, sandboxMessages, settled, waitFor, withDb, workersCaughtUp } from "./product";

/**
 * Tests that change a home's sharing use a home of their own (every seeded owner has the demo
 * password), so they never disturb the demo home other specs rely on.
 */
async function ownerOfAnotherHome(nth: number) {
  return withDb(async (c) => {
    const { rows } = await c.query(
      `select u.email, h.id as home_id from homes h
         join home_memberships m on m.home_id = h.id join users u on u.id = m.user_id
         join partner_links gl on gl.home_id = h.id and gl.partner_id = 'google-home' and gl.status = 'active'
         join partner_links al on al.home_id = h.id and al.partner_id = 'alexa'
         join devices d on d.home_id = h.id join device_models dm on dm.id = d.model_id and dm.kind = 'thermostat'
        where u.email like 'owner%' order by u.email offset $1 limit 1`,
      [nth],
    );
    return rows[0] as { email: string; home_id: string };
  });
}

test("a device's new state appears on the homeowner's page without a reload", async ({ page }) => {
  await signInViaApi(page.request, "homeowner");
  await page.goto("/home");
  const home = await idOf("select m.home_id as id from home_memberships m join users u on u.id = m.user_id where u.email = 'homeowner@proviso.test'", []);
  const thermostat = await idOf("select d.id from devices d join device_models m on m.id = d.model_id where d.home_id = $1 and m.kind = 'thermostat'", [home]);
  const dev = device();
  await dev.report(thermostat, { temperature: 23.7, humidity: 44 });
  const row = page.locator(`[data-device="${thermostat}"]`);
  await expect(row).toContainText("23.7 °C", { timeout: 15_000 });
  await expect(row).toContainText("online");
  await dev.close();
});

test("a homeowner changes a category from on request to proactive and back, and only allowed modes are offered", async ({ page }) => {
  const owner = await ownerOfAnotherHome(0);
  await signInViaApi(page.request, "homeowner", owner.email);
  await page.goto("/home");
  const google = page.getByRole("region", { name: "What Google Home gets" });
  const temperature = google.locator('[data-category="user.device.sensor.temperature"]');
  await temperature.getByRole("radio", { name: "On request" }).check();
  await expect(temperature).toContainText("Google Home learns your temperature only when you ask");
  await temperature.getByRole("radio", { name: "Whenever it changes" }).check();
  await expect(temperature).toContainText("Google Home learns your temperature whenever it changes");
  await temperature.getByRole("radio", { name: "On request" }).check();
  await expect(temperature).toContainText("only when you ask");
  // Alexa's agreement allows temperature on request only: proactive is not offered.
  const alexa = page.getByRole("region", { name: "What Amazon Alexa gets" }).locator('[data-category="user.device.sensor.temperature"]');
  await expect(alexa.getByRole("radio")).toHaveCount(2);
  await expect(alexa.getByRole("radio", { name: "Whenever it changes" })).toHaveCount(0);
});

test("Alexa's view of the home follows the homeowner's choice: told by AddOrUpdateReport what it may ask for", async ({ page }) => {
  const owner = await ownerOfAnotherHome(3);
  await signInViaApi(page.request, "homeowner", owner.email);
  await page.goto("/home");
  const thermostat = await idOf("select d.id from devices d join device_models m on m.id = d.model_id where d.home_id = $1 and m.kind = 'thermostat'", [
    owner.home_id,
  ]);
  const temperature = page.getByRole("region", { name: "What Amazon Alexa gets" }).locator('[data-category="user.device.sensor.temperature"]');
  type Endpoint = { endpointId: string; capabilities: { interface: string; properties?: Record<string, boolean> }[] };
  type Event = { event: { header: { name: string }; payload: { endpoints: Endpoint[] } } };
  /** The temperature capability in the last discovery update Alexa received for the thermostat (null: not declared). */
  const told = async () => {
    const updates = (await sandboxMessages({ partner: "alexa", device: thermostat })).filter(
      (m) => (m.body as Event).event.header.name === "AddOrUpdateReport",
    );
    const last = updates.at(-1);
    if (!last) return undefined;
    expect(last).toMatchObject({ status: 202, schemaValid: true });
    const endpoint = (last.body as Event).event.payload.endpoints.find((e) => e.endpointId === thermostat)!;
    return endpoint.capabilities.find((c) => c.interface === "Alexa.TemperatureSensor")?.properties ?? null;
  };
  await temperature.getByRole("radio", { name: "On request" }).check();
  await expect(temperature).toContainText("only when you ask");
  expect(await waitFor("Alexa to be told it may ask for the temperature", async () => (await told())?.retrievable === true && (await told()))).toMatchObject({
    retrievable: true,
    proactivelyReported: false,
  });
  await temperature.getByRole("radio", { name: "Off" }).check();
  await expect(temperature).toContainText("never learns your temperature");
  await waitFor("Alexa to be told it may no longer ask for the temperature", async () => (await told()) === null);
  await temperature.getByRole("radio", { name: "On request" }).check();
  await waitFor("Alexa to be told it may ask again", async () => (await told())?.retrievable === true);
});

test("the ledger fills as devices report, with the reason in plain words", async ({ page }) => {
  await signInViaApi(page.request, "homeowner");
  await page.goto("/home");
  const ledger = page.getByRole("region", { name: "What was shared" });
  const home = await idOf("select m.home_id as id from home_memberships m join users u on u.id = m.user_id where u.email = 'homeowner@proviso.test'", []);
  const lock = await idOf("select d.id from devices d join device_models m on m.id = d.model_id where d.home_id = $1 and m.kind = 'lock'", [home]);
  const dev = device();
  await dev.report(lock, { lockState: "jammed" });
  // Lock state is not in Alexa's agreement: withheld, and the ledger says why.
  await expect(ledger.getByText("The agreement with Amazon Alexa does not cover your lock state.").first()).toBeVisible({ timeout: 15_000 });
  await ledger.getByLabel("Outcome").selectOption("withhold");
  await expect(ledger.locator("[data-ledger-entry]").first()).toContainText("withheld");
  await dev.close();
});

test("unlinking stops sharing at once and shows the deletion deadline; the partner receives nothing more", async ({ page }) => {
  const owner = await ownerOfAnotherHome(1);
  await signInViaApi(page.request, "homeowner", owner.email);
  await page.goto("/home");
  const home = owner.home_id;
  const thermostat = await idOf("select d.id from devices d join device_models m on m.id = d.model_id where d.home_id = $1 and m.kind = 'thermostat'", [home]);
  const google = page.getByRole("region", { name: "What Google Home gets" });
  await google.getByRole("button", { name: "Unlink Google Home…" }).click();
  await google.getByRole("button", { name: "Unlink Google Home", exact: true }).click();
  await expect(google).toContainText("This platform is unlinked");
  await expect(page.getByRole("region", { name: "Deletion requests" })).toContainText("Google Home must delete your home's data by");
  const before = (await sandboxMessages({ partner: "google-home", device: thermostat })).length;
  const dev = device();
  const report = await dev.report(thermostat, { heatingSetpoint: 21.5, temperature: 20.75, hvacMode: "heat" });
  // Evidence that the report went as far as it will: decided, and its messages (if any) ended.
  // (Whether or not the worker had heard of the unlink when it decided, delivery checks again.)
  const { outbox } = await settled(thermostat, report);
  await quiet(thermostat);
  expect(outbox.filter((o) => o.partner_id === "google-home" && o.status === "delivered")).toEqual([]);
  expect((await sandboxMessages({ partner: "google-home", device: thermostat })).length).toBe(before);
  await dev.close();
});

test("a homeowner exports the home's data as JSON and the ledger as CSV; another home's export is not there", async ({ page }) => {
  await signInViaApi(page.request, "homeowner");
  await page.goto("/home");
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "everything (JSON)" }).click();
  const json = JSON.parse(await (await (await download).createReadStream()).toArray().then((b) => Buffer.concat(b).toString()));
  expect(json.home.name).toBe("Berg home");
  expect(json.consentHistory.length).toBeGreaterThan(0);
  expect(Array.isArray(json.decisions)).toBe(true);
  const home = json.home.id as string;
  const csv = await page.request.get(`/api/homes/${home}/export?format=csv`);
  expect(csv.headers()["content-type"]).toContain("text/csv");
  // Personal data: never kept by a browser or a proxy cache.
  expect(csv.headers()["cache-control"]).toBe("no-store");
  const lines = (await csv.text()).trim().split("\n");
  expect(lines[0]).toBe(
    "decided_at,observed_at,partner,device_id,category,mode,stage,outcome,sent,reasons,clauses,consent_version,partner_name,device,cause,why",
  );
  expect(lines.length).toBeGreaterThanOrEqual(json.decisions.length + 1);
  // What the page says is in the export: each decision explained in plain words.
  for (const d of json.decisions as { why: string; partnerName: string }[]) {
    expect(d.why.length).toBeGreaterThan(0);
    expect(d.partnerName.length).toBeGreaterThan(0);
  }
  const other = await idOf("select id from homes where id <> $1 limit 1", [home]);
  expect((await page.request.get(`/api/homes/${other}/export?format=json`)).status()).toBe(404);
});

test("after the homeowner switches a category off, the partner receives nothing more of it", async ({ page }) => {
  const owner = await ownerOfAnotherHome(2);
  await signInViaApi(page.request, "homeowner", owner.email);
  await page.goto("/home");
  const thermostat = await idOf("select d.id from devices d join device_models m on m.id = d.model_id where d.home_id = $1 and m.kind = 'thermostat'", [
    owner.home_id,
  ]);
  const google = page.getByRole("region", { name: "What Google Home gets" });
  // Google's thermostat trait needs mode, temperature and setpoint together: all three on.
  for (const [category, words] of [
    ["hvac_mode", "heating/cooling mode"],
    ["temperature", "temperature"],
    ["setpoint", "setpoints"],
  ] as const) {
    const c = google.locator(`[data-category="user.device.sensor.${category}"]`);
    await c.getByRole("radio", { name: "Whenever it changes" }).check();
    await expect(c).toContainText(`Google Home learns your ${words} whenever it changes`);
  }
  const setpoints = google.locator('[data-category="user.device.sensor.setpoint"]');
  const dev = device();
  // Shared while on: Google receives the new setpoint.
  await dev.report(thermostat, { heatingSetpoint: 22.5, hvacMode: "heat", temperature: 20.5 });
  await waitFor("Google to receive the setpoint 22.5", async () =>
    (await sandboxMessages({ partner: "google-home", device: thermostat })).some((m) => JSON.stringify(m.body).includes("22.5")),
  );
  // Off, from the page: no setpoint reaches Google any more, whatever the device reports.
  await setpoints.getByRole("radio", { name: "Off" }).check();
  await expect(setpoints).toContainText("Google Home never learns your setpoints");
  const before = (await sandboxMessages({ partner: "google-home", device: thermostat })).length;
  await workersCaughtUp();
  const reports = [];
  for (const sp of [17, 18, 19]) reports.push(await dev.report(thermostat, { heatingSetpoint: sp, temperature: 15 + sp / 10 }));
  for (const r of reports) {
    const { decisions } = await settled(thermostat, r);
    expect(decisions.find((d) => d.partner_id === "google-home" && d.category_key === "user.device.sensor.setpoint")).toMatchObject({ outcome: "withhold" });
  }
  await quiet(thermostat);
  const after = (await sandboxMessages({ partner: "google-home", device: thermostat })).slice(before);
  for (const m of after) expect(JSON.stringify(m.body)).not.toMatch(/Setpoint/);
  // The ledger says why.
  const ledger = page.getByRole("region", { name: "What was shared" });
  await expect(ledger.getByText("You turned off sharing your setpoints with Google Home.").first()).toBeVisible({ timeout: 15_000 });
  await dev.close();
});

test("the agreement in plain words, the chart of shares per day, and date filters", async ({ page }) => {
  await signInViaApi(page.request, "homeowner");
  await page.goto("/home");
  const summary = page.locator('[data-agreement-summary="alexa"]');
  await summary.getByText(/What the agreement with Amazon Alexa says/).click();
  await expect(summary).toContainText("Amazon Alexa may learn your temperature only when you ask");
  await expect(summary).toContainText("If you unlink Amazon Alexa, it must delete");
  await expect(page.getByTestId("share-chart")).toContainText(/shared, \d+ withheld in 30 days/, { timeout: 15_000 });
  const ledger = page.getByRole("region", { name: "What was shared" });
  await expect(ledger.locator("[data-ledger-entry]").first()).toBeVisible({ timeout: 15_000 });
  const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
  await ledger.getByLabel("From").fill(tomorrow);
  await expect(ledger.getByText("No decisions match these filters.")).toBeVisible();
});

test("the homeowner's pages have no serious or critical accessibility violations, and fit a phone", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const serious = async () =>
    (await new AxeBuilder({ page }).analyze()).violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map(
        (v) =>
          `${v.id}: ${v.nodes
            .map((n) => n.target.join(" "))
            .slice(0, 3)
            .join(" | ")}`,
      );
  await page.goto("/sign-in");
  expect(await serious()).toEqual([]);
  await signInViaApi(page.request, "homeowner");
  await page.goto("/home");
  await expect(page.getByRole("region", { name: "What was shared" }).locator("[data-ledger-entry]").first()).toBeVisible({ timeout: 15_000 });
  await page.locator('[data-agreement-summary="alexa"] summary').click();
  expect(await serious()).toEqual([]);
  const overflow = await page.evaluate<number>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
  expect(overflow).toBeLessThanOrEqual(1);
  // Keyboard: the consent controls are reachable and operable without a mouse.
  const radio = page.getByRole("region", { name: "What Amazon Alexa gets" }).getByRole("radio").first();
  await radio.focus();
  await expect(radio).toBeFocused();
});
