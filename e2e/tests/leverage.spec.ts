// Issue 6 end to end: a partner files a demand for proactive occupancy tied to its retail listing; a
// partner manager answers it with a draft that drops clause 2.1; legal's review shows the listings
// at risk and the what-if difference on recorded history; a lapsed certification makes the worker
// withhold as the clause says, and the homeowner's ledger shows why.
import { expect, signInViaApi, test } from "./fixtures";
import { device, idOf, platformToken, waitFor, withDb, workersCaughtUp, WORKER } from "./product";

const LOCK = "user.device.sensor.lock_state";

test("demand → draft → review with listings at risk and what-if", async ({ browser }) => {
  test.setTimeout(120_000);
  const description = `Proactive occupancy for Alexa routines (${Date.now()})`;
  // The partner files the demand, after a clear error for the missing listing.
  const partner = await (await browser.newContext()).newPage();
  await signInViaApi(partner.request, "partner");
  await partner.goto("/partner-portal");
  const form = partner.getByRole("region", { name: "File a new demand" });
  await form.getByLabel("Data category").selectOption({ label: "Occupancy" });
  await form.getByLabel("Purpose").selectOption({ label: "Run the homeowner's routines" });
  await form.getByLabel("What you ask for, and why").fill(description);
  await form.getByRole("button", { name: "File the demand" }).click();
  await expect(form.getByText("Choose the retail listing this depends on")).toBeVisible();
  await expect(form.getByLabel("What you ask for, and why")).toHaveValue(description);
  await form.getByLabel("Retail listing", { exact: true }).selectOption({ label: "S1-US on Amazon store" });
  await form.getByRole("button", { name: "File the demand" }).click();
  await expect(partner.getByTestId("my-demands")).toContainText(description);

  // The manager answers it with a new draft, drops clause 2.1 and submits it.
  const manager = await (await browser.newContext()).newPage();
  await signInViaApi(manager.request, "partner_manager");
  await manager.goto("/partners/alexa");
  const demand = manager.locator("[data-demand]").filter({ hasText: description });
  await expect(demand).toContainText("retail listing S1-US on Amazon store");
  await demand.getByRole("button", { name: "Answer with a new draft" }).click();
  await expect(manager).toHaveURL(/\/partners\/versions\/[0-9a-f-]+\/edit$/);
  const versionId = manager.url().split("/").at(-2)!;
  await manager.getByRole("button", { name: "Remove clause 2.1" }).click();
  await manager.getByLabel("Summary").fill("Occupancy instead of temperature");
  await manager.getByLabel("Effective from").fill("2027-02-01");
  await manager.getByRole("button", { name: "Save and submit for review" }).click();
  await expect(manager).toHaveURL(new RegExp(`/partners/versions/${versionId}$`));
  await manager.goto("/partners/alexa");
  await expect(manager.locator("[data-demand]").filter({ hasText: description })).toContainText("countered");

  // Legal's review: the demand it answers, the listings it puts at risk, and the what-if replay.
  const legal = await (await browser.newContext()).newPage();
  await signInViaApi(legal.request, "legal");
  await legal.goto(`/legal/review/${versionId}`);
  await expect(legal.getByRole("region", { name: "Demands this version answers" })).toContainText(description);
  const atRisk = legal.getByRole("region", { name: "Retail listings at risk" });
  await expect(atRisk.locator('[data-listing-at-risk="S1-US"]')).toContainText("depends on clause 2.1, which this version removes");
  const whatIf = legal.getByRole("region", { name: "What-if on recorded history" });
  await whatIf.getByRole("button", { name: "Replay with this version" }).click();
  await expect(whatIf.getByTestId("replay-result")).toBeVisible({ timeout: 60_000 });
  await expect(whatIf.getByTestId("replay-result")).toContainText(/recorded state changes of the last 30 days/);
  // Without clause 2.1, nothing of temperature would have gone to Alexa on request.
  const row = whatIf.locator('[data-whatif="user.device.sensor.temperature|on_request"]');
  await expect(row).toBeVisible();
  const cells = await row.locator("td").allTextContents();
  expect(cells[3]).toBe("0");
  expect(cells[5]).toBe(cells[2]);
});

/** Google asks for the lock's state (a QUERY on the home's link), as its fulfillment would. */
async function googleAsksForLock(homeId: string, lockId: string) {
  const link = await idOf("select id from partner_links where home_id = $1 and partner_id = 'google-home'", [homeId]);
  const res = await fetch(`${WORKER}/v1/partners/google/fulfillment`, {
    method: "POST",
    headers: { authorization: `Bearer ${await platformToken("google-home", link)}` },
    body: JSON.stringify({ requestId: `lapse-${Date.now()}`, inputs: [{ intent: "action.devices.QUERY", payload: { devices: [{ id: lockId }] } }] }),
  });
  expect(res.status).toBe(200);
  const answer = ((await res.json()) as { payload: { devices: Record<string, { isLocked?: boolean }> } }).payload.devices[lockId];
  const decided = await withDb(
    async (c) =>
      (
        await c.query(
          "select outcome, reasons from decisions where stage = 'request' and partner_id = 'google-home' and device_id = $1 and category_key = $2 order by id desc limit 1",
          [lockId, LOCK],
        )
      ).rows[0] as { outcome: string; reasons: { code: string; clauseKey?: string }[] },
  );
  return { answer, decided };
}

test("a lapsed certification makes the worker withhold as the clause says; the ledger shows why", async ({ browser, setConsent }) => {
  const owner = await withDb(async (c) => {
    const { rows } = await c.query(
      `select u.email, h.id as home_id, d.id as lock_id from homes h
         join home_memberships m on m.home_id = h.id join users u on u.id = m.user_id
         join partner_links l on l.home_id = h.id and l.partner_id = 'google-home' and l.status = 'active'
         join devices d on d.home_id = h.id join device_models dm on dm.id = d.model_id and dm.key = 'proviso-l1'
        where u.email like 'owner%' order by u.email desc limit 1`,
    );
    return rows[0] as { email: string; home_id: string; lock_id: string };
  });
  // Google's terms share lock state on request (clause 2.4); the homeowner says yes to that.
  await setConsent(owner.email, owner.home_id, "google-home", LOCK, "on_request");
  await workersCaughtUp();
  const certified = await googleAsksForLock(owner.home_id, owner.lock_id);
  expect(typeof certified.answer?.isLocked).toBe("boolean");
  expect(certified.decided.outcome).not.toBe("withhold");

  const manager = await (await browser.newContext()).newPage();
  await signInViaApi(manager.request, "partner_manager");
  await manager.goto("/partners/google-home");
  const cert = manager.locator('[data-certification="proviso-l1|works-with-google-home"]');
  // What the database holds, not what the form shows: the select's own option says "expired" as
  // soon as it is chosen, before the server has recorded anything.
  const certStatus = () =>
    withDb(
      async (c) =>
        (
          await c.query(
            `select c.status::text from certifications c join device_models m on m.id = c.model_id join programmes p on p.id = c.programme_id
            where m.key = 'proviso-l1' and p.key = 'works-with-google-home'`,
          )
        ).rows[0]?.status as string | undefined,
    );
  await cert.getByLabel("Status").selectOption("expired");
  await cert.getByRole("button", { name: "Record" }).click();
  await waitFor("the certification to be recorded as expired", async () => (await certStatus()) === "expired");
  try {
    await workersCaughtUp();
    // Clause 3.1 suspends sharing of the model's data: asked again, Google gets no lock state.
    const lapsed = await googleAsksForLock(owner.home_id, owner.lock_id);
    expect(lapsed.answer?.isLocked).toBeUndefined();
    expect(lapsed.decided).toMatchObject({
      outcome: "withhold",
      reasons: expect.arrayContaining([expect.objectContaining({ code: "CERTIFICATION_LAPSED", clauseKey: "3.1" })]),
    });
    // A change the lock reports is recorded as withheld for the same reason, and the ledger says so.
    const dev = device();
    const now = await withDb(
      async (c) =>
        (await c.query("select properties->'lockState'->>'value' as v from device_shadow where device_id = $1", [owner.lock_id])).rows[0]?.v as
          string | undefined,
    );
    await dev.report(owner.lock_id, { lockState: now === "unlocked" ? "locked" : "unlocked" });
    const page = await (await browser.newContext()).newPage();
    await signInViaApi(page.request, "homeowner", owner.email);
    await page.goto("/home");
    const ledger = page.getByRole("region", { name: "What was shared" });
    await ledger.getByLabel("Platform").selectOption("google-home");
    await expect(ledger.getByText(/Your device's certification with Google Home has lapsed, so sharing is paused \(clause 3\.1\)/).first()).toBeVisible({
      timeout: 15_000,
    });
    await dev.close();
  } finally {
    await cert.getByLabel("Status").selectOption("certified");
    await cert.getByRole("button", { name: "Record" }).click();
    await waitFor("the certification to be recorded as certified again", async () => (await certStatus()) === "certified");
  }
});
