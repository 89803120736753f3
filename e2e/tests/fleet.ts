// Devices the tests add beside the seeded fleet (no product API provisions devices yet: SQL, then
// a credential issued with the product's own command when the test speaks as the device).
import { idOf, waitFor, withDb } from "./product";

export /**
 * A new thermostat (the simulator drives only the fleet it found when it started, which it has
 * once its first reports are in), of the homeowner's model, in another home linked to Google.
 */
async function newThermostatBesideGoogle(name: string, serial: string): Promise<{ id: string; home_id: string }> {
  await waitFor(
    "the simulator to have started",
    async () => (await withDb((c) => c.query("select 1 from state_events where cause = 'periodic' limit 1"))).rowCount,
  );
  const homeowner = await idOf("select m.home_id as id from home_memberships m join users u on u.id = m.user_id where u.email = 'homeowner@proviso.test'", []);
  return withDb(
    async (c) =>
      (
        await c.query(
          `insert into devices (home_id, model_id, sku_id, name, room, serial)
         select d.home_id, mine.model_id, mine.sku_id, $3, 'Hall', $2
           from devices d join device_models m on m.id = d.model_id
           join partner_links l on l.home_id = d.home_id and l.partner_id = 'google-home' and l.status = 'active'
           join lateral (select x.model_id, x.sku_id from devices x join device_models xm on xm.id = x.model_id where x.home_id = $1 and xm.kind = 'thermostat' limit 1) mine on mine.model_id = d.model_id
          where m.kind = 'thermostat' and d.home_id <> $1
          limit 1
         returning id, home_id`,
          [homeowner, serial, name],
        )
      ).rows[0] as { id: string; home_id: string },
  );
}
