// The credentials between Proviso and a partner: its OAuth client's secret, rotated with an overlap
// (the old one accepted until then, never after); a webhook partner's signing secrets, sealed at
// rest, rotated with an overlap and retired; and the partner API's caller, who sees and confirms
// only its own partner's deletion requests.
import { createTestDatabase, type TestDatabase } from "@proviso/db/testing";
import { seed } from "@proviso/seed";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { unlinkPartner } from "../homes/unlink-partner";
import { registerOAuthClient } from "../linking/clients";
import { createTokenCipher, generateTokenKey } from "../security/token-cipher";
import { confirmDeletionByPartner, partnerCaller, partnerDeletionRequests } from "./partner-api";
import { activeSigningSecrets, listSigningSecrets, retirePreviousSigningSecrets, rotateSigningSecret } from "./signing-secrets";

let t: TestDatabase;
const now = new Date("2026-11-24T12:00:00Z");
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
const cipher = createTokenCipher(generateTokenKey());

beforeAll(async () => {
  t = await createTestDatabase();
  await seed(t.db, { homes: 20, now });
});
afterAll(() => t?.close());

describe("a partner's OAuth client", () => {
  it("accepts the secret a rotation replaced until the overlap ends, and only the new one after; a rotation without overlap ends the old at once", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now });
    try {
      const first = await registerOAuthClient(t.db, { partnerId: "apple-home", clientId: "apple-api", redirectUris: [] });
      expect(first.previousSecretExpiresAt).toBeNull();
      const second = await registerOAuthClient(t.db, { partnerId: "apple-home", clientId: "apple-api", redirectUris: [], overlapHours: 2, now });
      expect(second.previousSecretExpiresAt).toEqual(new Date(now.getTime() + 2 * 3_600_000));
      for (const c of [first, second])
        expect(await partnerCaller(t.db, basic("apple-api", c.clientSecret))).toEqual({ partnerId: "apple-home", clientId: "apple-api" });
      vi.setSystemTime(now.getTime() + 2 * 3_600_000 + 1);
      expect(await partnerCaller(t.db, basic("apple-api", first.clientSecret))).toBeNull();
      expect(await partnerCaller(t.db, basic("apple-api", second.clientSecret))).not.toBeNull();
      const third = await registerOAuthClient(t.db, { partnerId: "apple-home", clientId: "apple-api", redirectUris: [], overlapHours: 0 });
      expect(await partnerCaller(t.db, basic("apple-api", second.clientSecret))).toBeNull();
      expect(await partnerCaller(t.db, basic("apple-api", third.clientSecret))).not.toBeNull();
      expect(await partnerCaller(t.db, null)).toBeNull();
      expect(await partnerCaller(t.db, basic("apple-api", ""))).toBeNull();
      // Credentials not percent-encoded as RFC 6749 asks are no client (the API answers 401, never 500).
      expect(await partnerCaller(t.db, `Basic ${Buffer.from("apple-api:%E0%A4%A").toString("base64")}`)).toBeNull();
      // Only hashes at rest.
      const [row] = (await t.pool.query("select * from oauth_clients where id = 'apple-api'")).rows;
      expect(JSON.stringify(row)).not.toContain(third.clientSecret);
    } finally {
      vi.useRealTimers();
    }
  });

  it("keeps a client's redirect URIs when only its secret is renewed", async () => {
    const linked = await registerOAuthClient(t.db, { partnerId: "alexa", clientId: "alexa-keeps", redirectUris: ["https://alexa.example/cb"] });
    const renewed = await registerOAuthClient(t.db, { partnerId: "alexa", clientId: "alexa-keeps", redirectUris: [] });
    expect(renewed.redirectUris).toEqual(linked.redirectUris);
  });

  it("calls the partner API for its own partner only: another partner's deletion request is not found", async () => {
    const c = await registerOAuthClient(t.db, { partnerId: "apple-home", clientId: "apple-api-2", redirectUris: [] });
    const caller = (await partnerCaller(t.db, basic(c.clientId, c.clientSecret)))!;
    // A home linked to both Apple Home and Alexa, unlinked from each by its owner.
    const [home] = (
      await t.pool.query(
        `select a.home_id, m.user_id from partner_links a join partner_links b on b.home_id = a.home_id and b.partner_id = 'alexa' and b.status = 'active'
           join home_memberships m on m.home_id = a.home_id where a.partner_id = 'apple-home' and a.status = 'active' limit 1`,
      )
    ).rows;
    const mine = await unlinkPartner(t.db, { userId: home.user_id, homeId: home.home_id, partnerId: "apple-home", now });
    const theirs = await unlinkPartner(t.db, { userId: home.user_id, homeId: home.home_id, partnerId: "alexa", now });
    const listed = await partnerDeletionRequests(t.db, caller, ["pending"]);
    expect(listed.map((r) => r.id)).toEqual([mine.deletionRequestId]);
    await expect(confirmDeletionByPartner(t.db, caller, theirs.deletionRequestId, "AH-1", now)).rejects.toThrow(/No such deletion request/);
    expect(await confirmDeletionByPartner(t.db, caller, mine.deletionRequestId, "AH-1", now)).toMatchObject({ status: "confirmed" });
    const [entry] = (
      await t.pool.query("select actor_id, details from audit_log where action = 'deletion.confirmed' and entity_id = $1", [mine.deletionRequestId])
    ).rows;
    expect(entry).toMatchObject({ actor_id: null, details: expect.objectContaining({ via: "api:apple-api-2", note: "AH-1" }) });
  });
});

describe("a webhook partner's signing secrets", () => {
  it("are made for webhook partners only, sealed at rest, and rotate with an overlap during which both sign; ending it leaves the newest", async () => {
    await expect(rotateSigningSecret(t.db, cipher, { partnerId: "google-home", now })).rejects.toThrow(/not a webhook partner/);
    await expect(rotateSigningSecret(t.db, cipher, { partnerId: "apple-home", overlapHours: -1, now })).rejects.toThrow(/overlap/);
    const first = await rotateSigningSecret(t.db, cipher, { partnerId: "apple-home", now });
    expect(first.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(await activeSigningSecrets(t.db, cipher, "apple-home", now)).toEqual([first.secret]);
    const later = new Date(now.getTime() + 1_000);
    const second = await rotateSigningSecret(t.db, cipher, { partnerId: "apple-home", overlapHours: 1, now: later });
    expect(await activeSigningSecrets(t.db, cipher, "apple-home", later)).toEqual([second.secret, first.secret]);
    expect(await activeSigningSecrets(t.db, cipher, "apple-home", new Date(later.getTime() + 3_600_001))).toEqual([second.secret]);
    expect((await listSigningSecrets(t.db, "apple-home", later)).map((s) => s.state)).toEqual(["current", "retiring"]);
    expect(await retirePreviousSigningSecrets(t.db, "apple-home", later)).toBe(1);
    expect(await activeSigningSecrets(t.db, cipher, "apple-home", later)).toEqual([second.secret]);
    // Sealed, bound to the partner and the secret: never the value; another key does not open it.
    const rows = (await t.pool.query("select * from partner_signing_secrets where partner_id = 'apple-home'")).rows;
    for (const row of rows) expect(JSON.stringify(row)).not.toContain(second.secret.slice(6));
    await expect(activeSigningSecrets(t.db, createTokenCipher(generateTokenKey()), "apple-home", later)).rejects.toThrow();
    const actions = (await t.pool.query("select details from audit_log where action = 'partner.signing_secret_rotated' order by seq")).rows;
    expect(actions).toHaveLength(2);
    expect(JSON.stringify(actions)).not.toContain(second.secret.slice(10));
  });
});
