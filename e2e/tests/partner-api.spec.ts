// A webhook partner as its own systems meet Proviso: the deletion a homeowner's unlink asks for
// arrives as a signed `deletion.requested` event its receiver verifies with the partner's own
// secret (the sandbox plays the receiver), and the partner confirms it through the partner API,
// authenticated as its OAuth client — whose secret, rotated, keeps working for the overlap only.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { expect, signInViaApi, test } from "./fixtures";
import { DATA_DIR, ROOT, productEnv, sandboxMessages, waitFor, withDb } from "./product";

/** `npm run partners -- client apple-home …`, as the maker's operators register the partner's API client; its id and secret. */
function registerClient(...args: string[]) {
  const out = execFileSync(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts/partners.ts"), "client", "apple-home", ...args], {
    cwd: ROOT,
    env: { ...productEnv(), PROVISO_DATA_DIR: DATA_DIR },
  }).toString();
  return { id: /client_id\s+(\S+)/.exec(out)![1]!, secret: /client_secret\s+(\S+)/.exec(out)![1]!, out };
}

test("a webhook partner hears of a deletion, signed with its own secret, and confirms it through the partner API as its client", async ({ page, baseURL }) => {
  const api = (p: string, c: { id: string; secret: string } | null, init: RequestInit = {}) =>
    fetch(`${baseURL}/api/partners/v1${p}`, {
      ...init,
      headers: { ...(c ? { authorization: `Basic ${Buffer.from(`${c.id}:${c.secret}`).toString("base64")}` } : {}), "content-type": "application/json" },
    });
  // The last homeowner by email whose home is linked to Apple Home (a webhook partner).
  const owner = await withDb(
    async (c) =>
      (
        await c.query(
          `select u.email, l.id as link_id, l.external_account_id from partner_links l join homes h on h.id = l.home_id
             join home_memberships m on m.home_id = h.id join users u on u.id = m.user_id
            where l.partner_id = 'apple-home' and l.status = 'active' and u.email like 'owner%' and u.email <> 'owner47@homes.proviso.test'
            order by u.email desc limit 1`,
        )
      ).rows[0] as { email: string; link_id: string; external_account_id: string },
  );
  await signInViaApi(page.request, "homeowner", owner.email);
  await page.goto("/home");
  const apple = page.getByRole("region", { name: "What Apple Home gets" });
  await apple.getByRole("button", { name: "Unlink Apple Home…" }).click();
  await apple.getByRole("button", { name: "Unlink Apple Home", exact: true }).click();
  await expect(apple).toContainText("This platform is unlinked");
  const requestId = await withDb(async (c) => (await c.query("select id from deletion_requests where link_id = $1", [owner.link_id])).rows[0].id as string);

  // The receiver took the event: it verified the Standard Webhooks signature with Apple Home's own secret.
  const event = await waitFor("the deletion.requested event", async () =>
    (await sandboxMessages({ partner: "apple-home" })).find((m) => (m.body as { deletionRequestId?: string }).deletionRequestId === requestId),
  );
  expect(event).toMatchObject({ status: 200, schemaValid: true, body: expect.objectContaining({ type: "deletion.requested" }) });

  // The partner API: refused without the client's credentials, in the documented problem shape.
  const client = registerClient();
  expect(client.out).toContain("none: this client calls the partner API only");
  const anonymous = await api("/deletion-requests", null);
  expect(anonymous.status).toBe(401);
  expect(anonymous.headers.get("content-type")).toContain("application/problem+json");
  expect(await anonymous.json()).toMatchObject({ status: 401, title: "Unauthorized" });
  expect((await api("/deletion-requests", { ...client, secret: `${client.secret}x` })).status).toBe(401);

  // With them: the request it owes, by its own account id; confirmed once, with its reference.
  const owed = (await (await api("/deletion-requests?status=sent,overdue", client)).json()) as {
    deletionRequests: { id: string; accountId: string; status: string }[];
  };
  expect(owed.deletionRequests.find((r) => r.id === requestId)).toMatchObject({ accountId: owner.external_account_id, status: "sent" });
  expect((await api("/deletion-requests?status=gone", client)).status).toBe(400);
  const empty = await api(`/deletion-requests/${requestId}/confirmation`, client, { method: "POST", body: "{}" });
  expect(empty.status).toBe(400);
  expect(((await empty.json()) as { detail: string }).detail).toMatch(/reference/);
  const confirmed = await api(`/deletion-requests/${requestId}/confirmation`, client, { method: "POST", body: JSON.stringify({ reference: "AH-DEL-7" }) });
  expect(confirmed.status).toBe(200);
  expect(await confirmed.json()).toMatchObject({ id: requestId, status: "confirmed" });
  expect((await api(`/deletion-requests/${requestId}/confirmation`, client, { method: "POST", body: JSON.stringify({ reference: "again" }) })).status).toBe(
    409,
  );
  expect((await api("/deletion-requests/not-a-request/confirmation", client, { method: "POST", body: JSON.stringify({ reference: "x" }) })).status).toBe(404);
  const chained = await withDb(
    async (c) => (await c.query("select details from audit_log where action = 'deletion.confirmed' and entity_id = $1", [requestId])).rows[0],
  );
  expect(chained.details).toMatchObject({ via: `api:${client.id}`, note: "AH-DEL-7" });

  // A new client secret: the old one still works for the overlap; a rotation without one ends it at once.
  const rotated = registerClient("--client-id", client.id, "--overlap-hours", "1");
  expect(rotated.out).toMatch(/old secret\s+still accepted until/);
  for (const c of [client, rotated]) expect((await api("/deletion-requests", c)).status).toBe(200);
  const again = registerClient("--client-id", client.id, "--overlap-hours", "0");
  expect((await api("/deletion-requests", rotated)).status).toBe(401);
  expect((await api("/deletion-requests", client)).status).toBe(401);
  expect((await api("/deletion-requests", again)).status).toBe(200);
});
