// Issue: a partner manager drafts an Alexa version with proactive lock state; a manager cannot
// approve at all; legal sees the redline and the impact, and approves. A legal reviewer who
// drafted a version cannot approve it (two-person rule); another one can.
import { expect, signInViaApi, test } from "./fixtures";

test("draft with proactive lock state → submitted → legal reviews redline and impact → approved", async ({ browser }) => {
  const managerContext = await browser.newContext();
  const manager = await managerContext.newPage();
  await signInViaApi(manager.request, "partner_manager");
  await manager.goto("/partners/agreements");
  const alexa = manager.getByRole("region", { name: /Amazon Alexa: Alexa Smart Home data-sharing agreement/ });
  await alexa.getByRole("button", { name: "New draft from the version in force" }).click();
  await expect(manager).toHaveURL(/\/partners\/versions\/[0-9a-f-]+\/edit$/);
  const versionId = manager.url().split("/").at(-2)!;

  // A clause with a mistake first: the server's own validation answers beside the field.
  await manager.getByRole("button", { name: "Add a clause" }).click();
  const clause = manager.getByRole("group", { name: /Clause \d+|\(new\)/ }).last();
  await clause.getByLabel("Clause number").fill("2.6");
  await clause.getByLabel("Title").fill("Sharing of lock state");
  await clause.getByLabel("Legal text").fill("The Maker shall report lock state to the Platform whenever it changes.");
  await clause.getByLabel("Data category").selectOption({ label: "Lock state" });
  await clause.getByRole("checkbox", { name: "On request" }).uncheck();
  await manager.getByLabel("Summary").fill("Proactive lock state for Alexa routines.");
  await manager.getByLabel("Effective from").fill("2027-01-01");
  await manager.getByRole("button", { name: "Save draft" }).click();
  await expect(clause.getByText("Allow at least one mode")).toBeVisible();
  // Nothing typed was lost; fix it and save.
  await expect(clause.getByLabel("Legal text")).toHaveValue(/whenever it changes/);
  await clause.getByRole("checkbox", { name: "On request" }).check();
  await clause.getByRole("checkbox", { name: "Proactive" }).check();
  await manager.getByRole("button", { name: "Save and submit for review" }).click();
  await expect(manager).toHaveURL(new RegExp(`/partners/versions/${versionId}$`));
  await expect(manager.getByText("in review").first()).toBeVisible();

  // A partner manager cannot approve at all (the role table): the server refuses.
  const attempt = await manager.request.post("/api/trpc/agreements.decide", {
    data: { json: { versionId, decision: "approved", comment: "mine" } },
  });
  expect(attempt.status()).toBe(403);

  // Legal: the review queue, the redline, the impact, the decision.
  const legalContext = await browser.newContext();
  const legal = await legalContext.newPage();
  await signInViaApi(legal.request, "legal");
  await legal.goto("/legal");
  await legal.getByRole("link", { name: /Amazon Alexa: Alexa Smart Home data-sharing agreement, v3/ }).click();
  await expect(legal).toHaveURL(new RegExp(`/legal/review/${versionId}$`));
  const redline = legal.getByRole("region", { name: /Redline/ });
  await expect(redline.locator('[data-redline="2.6"]')).toContainText("added");
  const impact = legal.getByRole("region", { name: "Enforcement impact on today's data" });
  await expect(impact.locator('[data-impact="user.device.sensor.lock_state|proactive"]')).toBeVisible();
  await legal.getByLabel("Comment for the author").fill("Agreed with Amazon on 20 November.");
  await legal.getByRole("button", { name: "Approve" }).click();
  await expect(legal.getByText("This version is approved.")).toBeVisible();

  await manager.goto(`/partners/versions/${versionId}`);
  await expect(manager.getByRole("region", { name: "Sign-offs" })).toContainText("approved Lena Okafor");
  const pdf = await manager.request.get(`/api/agreement-versions/${versionId}/pdf`);
  expect(pdf.status()).toBe(200);
  expect(pdf.headers()["content-type"]).toBe("application/pdf");
  expect((await pdf.body()).subarray(0, 5).toString()).toBe("%PDF-");
  await managerContext.close();
  await legalContext.close();
});

test("a legal reviewer who drafted a version cannot approve it; another legal reviewer can", async ({ browser, as }) => {
  const author = await (await browser.newContext()).newPage();
  await signInViaApi(author.request, "legal");
  await author.goto("/legal/agreements");
  const smartthings = author.getByRole("region", { name: /SmartThings: SmartThings data-sharing terms/ });
  await smartthings.getByRole("button", { name: "New draft from the version in force" }).click();
  await expect(author).toHaveURL(/\/legal\/versions\/[0-9a-f-]+\/edit$/);
  const versionId = author.url().split("/").at(-2)!;
  await author.getByLabel("Summary").fill("Same terms, renewed for 2027.");
  await author.getByLabel("Effective from").fill("2027-06-01");
  await author.getByRole("button", { name: "Save and submit for review" }).click();
  await expect(author).toHaveURL(new RegExp(`/legal/versions/${versionId}$`));

  // The author, though legal, is refused by the two-person rule: on the page and by the server.
  await author.goto(`/legal/review/${versionId}`);
  await expect(author.getByRole("note")).toContainText("another legal reviewer must approve it (two-person rule)");
  await author.getByLabel("Comment for the author").fill("Approving my own draft.");
  await author.getByRole("button", { name: "Approve" }).click();
  await expect(author.getByText("You drafted this version: another legal reviewer must approve it (two-person rule).").last()).toBeVisible();
  const direct = await (await as("legal")).post("/api/trpc/agreements.decide", { data: { json: { versionId, decision: "approved", comment: "mine" } } });
  expect(direct.status()).toBe(403);
  expect(await direct.text()).toContain("two-person rule");
  await author.reload();
  await expect(author.getByRole("region", { name: "Decision" })).toBeVisible(); // still in review

  // A second legal reviewer approves it.
  const second = await (await browser.newContext()).newPage();
  await signInViaApi(second.request, "legal", "legal2@proviso.test");
  await second.goto(`/legal/review/${versionId}`);
  await expect(second.getByRole("note")).toHaveCount(0);
  await second.getByLabel("Comment for the author").fill("Checked against the signed renewal.");
  await second.getByRole("button", { name: "Approve" }).click();
  await expect(second.getByText("This version is approved.")).toBeVisible();
  await second.goto(`/legal/versions/${versionId}`);
  await expect(second.getByRole("region", { name: "Sign-offs" })).toContainText("approved Sam Lindqvist");
  await author.context().close();
  await second.context().close();
});
