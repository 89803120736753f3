import { expect, LOGINS, PASSWORD, signInViaApi, test, trpcQuery, type Role } from "./fixtures";

const AREAS: Record<Role, { path: string; heading: RegExp }> = {
  homeowner: { path: "/home", heading: /your home/i },
  partner_manager: { path: "/partners", heading: /partner platforms/i },
  legal: { path: "/legal", heading: /legal review/i },
  partner: { path: "/partner-portal", heading: /amazon alexa: partner portal/i },
};

for (const role of Object.keys(AREAS) as Role[]) {
  test(`${role} signs in with the form and lands on their own area`, async ({ page }) => {
    await page.goto("/");
    await expect(page).toHaveURL(/\/sign-in/);
    await page.getByLabel("Email").fill(LOGINS[role]);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(new RegExp(`${AREAS[role].path}$`));
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(AREAS[role].heading);
  });
}

test("a wrong password keeps you on the form with a message", async ({ page }) => {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(LOGINS.legal);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "do not match" })).toBeVisible();
  await expect(page).toHaveURL(/\/sign-in/);
});

test("a homeowner opening /legal gets the 403 page, and the server refuses the call too", async ({ page }) => {
  await signInViaApi(page.request, "homeowner");
  const response = await page.goto("/legal");
  expect(response?.status()).toBe(403);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(/don’t have access/);
  await page.getByRole("link", { name: "Go to your area" }).click();
  await expect(page).toHaveURL(/\/home$/);

  expect(await trpcQuery(page.request, "legal.reviewQueue")).toEqual({ status: 403, code: "FORBIDDEN" });
  expect((await trpcQuery(page.request, "home.overview")).status).toBe(200);
});

test("signed out, the pages send you to sign in and the API answers UNAUTHORIZED", async ({ page }) => {
  await page.goto("/partners");
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Fpartners/);
  expect(await trpcQuery(page.request, "legal.reviewQueue")).toEqual({ status: 401, code: "UNAUTHORIZED" });
  expect((await trpcQuery(page.request, "health.ping")).status).toBe(200);
});

test("signing out ends the session", async ({ page }) => {
  await signInViaApi(page.request, "legal");
  await page.goto("/legal");
  await expect(page.getByText("Alexa Smart Home data-sharing agreement, v2")).toBeVisible();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  expect((await trpcQuery(page.request, "legal.reviewQueue")).code).toBe("UNAUTHORIZED");
});
