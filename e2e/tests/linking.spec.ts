// Account linking, as a homeowner meets it: a platform's app (the sandbox plays it) sends them to
// Proviso, they sign in, choose what the platform may learn and approve; the platform exchanges
// its code for tokens and from then on asks with them, and gets only what was chosen. Unlinking
// ends the tokens at once.
import type { Page } from "@playwright/test";
import { checkSignature, keyring, type CheckpointExport } from "@proviso/audit";
import { expect, PASSWORD, signInViaApi, test } from "./fixtures";
import { accountToken, device, SANDBOX, sandboxMessages, settled, waitFor, withDb, WORKER } from "./product";

/**
 * A homeowner whose home has a thermostat and no active link with the partner, chosen so that no
 * test running beside these picks it while it is linked: the last by email (home.spec takes its
 * homes from the head of that order), and for Google none with the lock leverage.spec asks it about.
 */
async function ownerWithoutLink(partnerId: string) {
  return withDb(async (c) => {
    const { rows } = await c.query(
      `select u.email, h.id as home_id, d.id as thermostat from homes h
         join home_memberships m on m.home_id = h.id join users u on u.id = m.user_id
         join devices d on d.home_id = h.id join device_models dm on dm.id = d.model_id and dm.kind = 'thermostat'
        where u.email like 'owner%' and u.email <> 'owner47@homes.proviso.test'
          and not exists (select 1 from partner_links l where l.home_id = h.id and l.partner_id = $1 and l.status = 'active')
          and ($1 <> 'google-home' or not exists (select 1 from devices x join device_models xm on xm.id = x.model_id where x.home_id = h.id and xm.key = 'proviso-l1'))
        order by u.email desc limit 1`,
      [partnerId],
    );
    if (!rows[0]) throw new Error(`no seeded home is free to link to ${partnerId}`);
    return rows[0] as { email: string; home_id: string; thermostat: string };
  });
}

/** The platform's app: "Link Proviso", then Proviso's sign-in and authorize page. */
async function startLinking(page: Page, partnerId: string, email: string) {
  await page.goto(`${SANDBOX}/app/${partnerId}/link`);
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Flink%2Fauthorize/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/link\/authorize\?/);
}

const googleQuery = (token: string, deviceId: string) =>
  fetch(`${WORKER}/v1/partners/google/fulfillment`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify({ requestId: `q-${Date.now()}`, inputs: [{ intent: "action.devices.QUERY", payload: { devices: [{ id: deviceId }] } }] }),
  });

test("a homeowner links Google Home from its app; Google then asks with its token and gets only what was chosen, until unlinked", async ({ page }) => {
  test.setTimeout(90_000);
  const owner = await ownerWithoutLink("google-home");
  const dev = device();
  await settled(owner.thermostat, await dev.report(owner.thermostat, { temperature: 21.5, heatingSetpoint: 19, hvacMode: "heat" }));

  await startLinking(page, "google-home", owner.email);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Link Google Home to your home");
  const choices = page.getByRole("region", { name: "What Google Home may learn" });
  // Nothing is pre-set to "as it changes"; the temperature on request, the setpoint not at all.
  for (const proactive of await choices.getByLabel("As it changes").all()) await expect(proactive).not.toBeChecked();
  await choices.getByRole("group", { name: "Temperature" }).getByLabel("When asked").check();
  await choices.getByRole("group", { name: "Setpoints" }).getByLabel("Off").check();
  await page.getByRole("button", { name: "Link Google Home" }).click();

  // Back in Google's app: linked, and its SYNC (asked with the new token) lists the thermostat.
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Google Home is linked to Proviso");
  const agentUserId = (await page.getByTestId("account-id").textContent())!;
  const link = await withDb(
    async (c) =>
      (await c.query("select id, external_account_id, status from partner_links where home_id = $1 and partner_id = 'google-home'", [owner.home_id])).rows[0],
  );
  expect(link).toMatchObject({ external_account_id: agentUserId, status: "active" });
  const token = await accountToken("google-home", agentUserId);
  expect(token).toMatch(/^pat_/);
  // Only hashes at rest: the token itself is nowhere in the tables.
  const stored = await withDb(async (c) => (await c.query("select count(*)::int as n from oauth_tokens where token_hash = $1", [token])).rows[0].n);
  expect(stored).toBe(0);

  const answer = await googleQuery(token, owner.thermostat);
  expect(answer.status).toBe(200);
  const state = ((await answer.json()) as { payload: { devices: Record<string, Record<string, unknown>> } }).payload.devices[owner.thermostat]!;
  // Google's thermostat trait is all or nothing (mode, temperature and setpoint together): without
  // the setpoint nothing of it goes, and the ledger says what was decided for each category.
  expect(state).toMatchObject({ status: "SUCCESS" });
  expect(state).not.toHaveProperty("thermostatTemperatureSetpoint");
  const decided = await withDb(
    async (c) =>
      (
        await c.query("select category_key, outcome from decisions where stage = 'request' and partner_id = 'google-home' and device_id = $1 order by id", [
          owner.thermostat,
        ])
      ).rows,
  );
  expect(decided).toContainEqual({ category_key: "user.device.sensor.temperature", outcome: "send" });
  expect(decided).toContainEqual({ category_key: "user.device.sensor.setpoint", outcome: "withhold" });

  // Unlinked in Proviso: the same token answers nothing any more.
  await page.goto("/home");
  const google = page.getByRole("region", { name: "What Google Home gets" });
  await google.getByRole("button", { name: "Unlink Google Home…" }).click();
  await google.getByRole("button", { name: "Unlink Google Home", exact: true }).click();
  await expect(google).toContainText("This platform is unlinked");
  await waitFor("the token to be refused", async () => (await googleQuery(token, owner.thermostat)).status === 401);
  await dev.close();

  // The deletion reaches Google (Home Graph is asked to forget the agent user), and the home page says it was sent.
  await waitFor("Home Graph to be asked to delete the agent user", async () =>
    (await sandboxMessages({ partner: "google-home" })).find((m) => m.endpoint === "/google/v1/agentUsers (DELETE)" && m.messageId === agentUserId),
  );
  await waitFor("the request to be marked sent", async () =>
    withDb(async (c) => (await c.query("select status from deletion_requests where link_id = $1", [link.id])).rows[0]?.status === "sent"),
  );
  await page.reload();
  await expect(page.getByRole("region", { name: "Deletion requests" })).toContainText("Google Home must delete your home's data by");
  // Google's staff confirm it in the partner portal, with their reference.
  const request = await withDb(async (c) => (await c.query("select id from deletion_requests where link_id = $1", [link.id])).rows[0].id as string);
  await signInViaApi(page.request, "partner", "google@partners.proviso.test");
  await page.goto("/partner-portal");
  const item = page.locator(`[data-deletion-request="${request}"]`);
  await expect(item).toContainText("sent to you");
  await item.getByLabel("Your reference (optional)").fill("GH-DEL-1");
  await item.getByRole("button", { name: "Confirm deletion" }).click();
  await expect(item).toContainText("Confirmed");
  await expect(item).toContainText("GH-DEL-1");
  // Google's staff keep a copy of the maker's signed checkpoints, each verifying with the keys given beside them.
  const held = (await (
    await page.request.get(
      await page
        .getByTestId("download-checkpoints")
        .getAttribute("href")
        .then((h) => h!),
    )
  ).json()) as {
    format: string;
    trustedKeys: string[];
    checkpoints: CheckpointExport[];
  };
  expect(held.format).toBe("proviso-audit-checkpoints/v1");
  for (const cp of held.checkpoints) expect(checkSignature(cp, keyring(held.trustedKeys))).toBeNull();
});

test("a homeowner links Alexa: AcceptGrant with the issued token gives Proviso its tokens; ReportState answers with it until an unlink, DeleteReport reaches Alexa, and the dashboard links it again", async ({
  page,
}) => {
  const owner = await ownerWithoutLink("alexa");
  await startLinking(page, "alexa", owner.email);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Link Amazon Alexa to your home");
  await page.getByRole("button", { name: "Link Amazon Alexa" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Amazon Alexa is linked to Proviso");
  await expect(page.getByText("AcceptGrant answered 200, Discover 200")).toBeVisible();
  const link = await withDb(
    async (c) =>
      (await c.query("select id, access_token_enc from partner_links where home_id = $1 and partner_id = 'alexa' and status = 'active'", [owner.home_id]))
        .rows[0],
  );
  expect(link.access_token_enc).toMatch(/^v2:/);
  const actions = await withDb(async (c) =>
    (await c.query("select action from audit_log where entity_id = $1 order by seq", [link.id])).rows.map((r) => r.action),
  );
  expect(actions).toEqual(expect.arrayContaining(["link.linked", "link.grant_accepted"]));

  // Alexa asks ReportState with the token it was issued; after an unlink, the same token is refused
  // in Alexa's own error shape, and Alexa hears DeleteReport (with the grant's token) for the home's endpoints.
  const token = await accountToken("alexa", (await page.getByTestId("account-id").textContent())!);
  const reportState = () =>
    fetch(`${WORKER}/v1/partners/alexa/directives`, {
      method: "POST",
      body: JSON.stringify({
        directive: {
          header: { namespace: "Alexa", name: "ReportState", messageId: `rs-${Date.now()}`, correlationToken: "c", payloadVersion: "3" },
          endpoint: { scope: { type: "BearerToken", token }, endpointId: owner.thermostat },
          payload: {},
        },
      }),
    });
  expect((await reportState()).status).toBe(200);
  await page.goto("/home");
  const alexa = page.getByRole("region", { name: "What Amazon Alexa gets" });
  await alexa.getByRole("button", { name: "Unlink Amazon Alexa…" }).click();
  await alexa.getByRole("button", { name: "Unlink Amazon Alexa", exact: true }).click();
  await expect(alexa).toContainText("This platform is unlinked");
  const refused = await waitFor("the token to be refused", async () => {
    const res = await reportState();
    return res.status === 401 ? ((await res.json()) as { event: { header: { name: string }; payload: { type: string } } }) : null;
  });
  expect(refused.event).toMatchObject({ header: { name: "ErrorResponse" }, payload: { type: "INVALID_AUTHORIZATION_CREDENTIAL" } });
  const deleteReport = await waitFor("Alexa to hear DeleteReport", async () =>
    (await sandboxMessages({ partner: "alexa" })).find(
      (m) => m.endpoint.startsWith("/alexa") && JSON.stringify(m.body).includes("DeleteReport") && JSON.stringify(m.body).includes(owner.thermostat),
    ),
  );
  expect(deleteReport).toMatchObject({ status: 202, schemaValid: true });
  await waitFor("the request to be marked sent", async () =>
    withDb(async (c) => (await c.query("select status from deletion_requests where link_id = $1", [link.id])).rows[0]?.status === "sent"),
  );

  // Linked again from the dashboard: through Alexa's app, back to Proviso's page, approved.
  await page.reload();
  await page.getByRole("link", { name: "Link Amazon Alexa again" }).click();
  await expect(page).toHaveURL(/\/link\/authorize\?/);
  await page.getByRole("button", { name: "Link Amazon Alexa" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Amazon Alexa is linked to Proviso");
  const relinked = await withDb(async (c) =>
    (await c.query("select status from partner_links where home_id = $1 and partner_id = 'alexa'", [owner.home_id])).rows.map((r) => r.status),
  );
  expect(relinked).toContain("active");
});

test("cancelling sends the platform access_denied and links nothing; a request from an unknown client is refused on Proviso's page", async ({ page }) => {
  const owner = await ownerWithoutLink("smartthings");
  await startLinking(page, "smartthings", owner.email);
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByTestId("linking-error")).toHaveText("Proviso answered: access_denied");
  const links = await withDb(
    async (c) =>
      (await c.query("select count(*)::int as n from partner_links where home_id = $1 and partner_id = 'smartthings' and status = 'active'", [owner.home_id]))
        .rows[0].n,
  );
  expect(links).toBe(0);
  await page.goto("/link/authorize?response_type=code&client_id=made-up&redirect_uri=https%3A%2F%2Fattacker.example%2Fcb&state=s");
  await expect(page.getByRole("alert").filter({ hasText: "This link cannot be made" })).toContainText("The platform asking is not one Proviso knows");
});
