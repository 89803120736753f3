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
