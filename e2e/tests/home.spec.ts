// The homeowner sees devices with their live state, refreshed without reloading the page.
import { expect, signInViaApi, test } from "./fixtures";
import { device, idOf } from "./product";

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
  await signInViaApi(page.request, "homeowner");
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
