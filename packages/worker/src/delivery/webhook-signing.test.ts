// A webhook partner's messages are signed with its own secrets in the Standard Webhooks format:
// its receiver (the sandbox, holding the secrets a test gives it) verifies them, and so does the
// `standardwebhooks` package's verifier; while a secret is rotated every message carries both.
import { rotateSigningSecret } from "@proviso/core";
import { outbox } from "@proviso/db";
import { and, eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { describe, expect, it, vi } from "vitest";
import { NOW, home0, thermostat, useHarness } from "../testing/harness";
import { addPartner } from "../testing/support";
import { deliverDue } from "./deliver";
import { httpPost, type HttpPost } from "./http-post";

const h = useHarness();

describe("webhook signing", () => {
  it("signs a webhook partner's messages with its own secret (Standard Webhooks), with both secrets while one is rotated, and dead-letters what its receiver cannot verify", async () => {
    // The Berg home links a webhook partner whose agreement follows temperature as it changes.
    const linkId = await addPartner(h.t, {
      id: "acme-hooks",
      adapter: "webhook",
      homeId: home0,
      categories: ["user.device.sensor.temperature"],
      since: new Date(NOW.getTime() - 86_400_000),
    });
    await h.setConsent("acme-hooks", "user.device.sensor.temperature", "proactive");
    const sent: { headers: Record<string, string>; body: string }[] = [];
    const deps = () => ({
      ...h.deliveryDeps(),
      post: ((url, headers, body, ms) => (url.endsWith("/acme-hooks") && sent.push({ headers, body }), httpPost(url, headers, body, ms))) as HttpPost,
    });
    const verifies = (secret: string, m: { headers: Record<string, string>; body: string }) => {
      vi.useFakeTimers({ toFake: ["Date"], now: h.clock });
      try {
        return new Webhook(secret).verify(m.body, m.headers) !== undefined;
      } catch {
        return false;
      } finally {
        vi.useRealTimers();
      }
    };

    // No secret made for the partner yet: nothing goes unsigned; the attempt fails and says what to do.
    await h.ingest(h.report(thermostat, { temperature: 20.9 }));
    expect((await deliverDue(deps())).retried).toBe(1);
    const [unsigned] = await h.t.db.select().from(outbox).where(eq(outbox.linkId, linkId));
    expect(unsigned).toMatchObject({
      status: "retrying",
      lastError: expect.stringMatching(/no signing secret for partner acme-hooks: npm run partners -- signing-secret acme-hooks/),
    });
    expect(sent).toHaveLength(0);
    await h.t.pool.query("update outbox set status = 'cancelled' where link_id = $1", [linkId]);

    const first = await rotateSigningSecret(h.t.db, h.cipher, { partnerId: "acme-hooks", now: new Date(h.clock) });
    h.sandbox.options.webhookSecrets!["acme-hooks"] = [first.secret];
    await h.ingest(h.report(thermostat, { temperature: 21.4 }));
    await deliverDue(deps());
    const [signed] = h.received("acme-hooks");
    expect(signed).toMatchObject({ endpoint: "/webhook/acme-hooks", status: 200, schemaValid: true, schemaErrors: [] });
    expect(signed!.body).toMatchObject({ partner: "acme-hooks", homeId: home0, deviceId: thermostat, cause: "physical", properties: { temperature: 21.4 } });
    expect(sent[0]!.headers["webhook-id"]).toBe(signed!.messageId);
    expect(verifies(first.secret, sent[0]!)).toBe(true);

    // Rotated with a day's overlap: every message carries both signatures; the receiver still on the old secret takes it.
    const second = await rotateSigningSecret(h.t.db, h.cipher, { partnerId: "acme-hooks", overlapHours: 24, now: new Date(h.clock) });
    expect(second.previousRetireAt).toEqual(new Date(h.clock + 24 * 3_600_000));
    await h.ingest(h.report(thermostat, { temperature: 22.1 }));
    await deliverDue(deps());
    expect(h.received("acme-hooks").map((m) => m.status)).toEqual([200, 200]);
    expect(sent[1]!.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect([verifies(first.secret, sent[1]!), verifies(second.secret, sent[1]!), verifies(`whsec_${"A".repeat(44)}`, sent[1]!)]).toEqual([true, true, false]);

    // Past the overlap only the new secret signs: a receiver that never switched refuses; signed afresh once, refused again, dead.
    h.clock += 25 * 3_600_000;
    await h.ingest(h.report(thermostat, { temperature: 23.2 }));
    const r = await deliverDue(deps());
    expect(r.dead).toBe(1);
    expect(verifies(second.secret, sent[2]!) && !verifies(first.secret, sent[2]!)).toBe(true);
    const refused = h.received("acme-hooks").slice(2);
    expect(refused.map((m) => m.status)).toEqual([401, 401]);
    for (const m of refused)
      expect(m.schemaErrors).toEqual([expect.stringMatching(/^signature: webhook-signature has no signature made with this receiver's secret/)]);
    const [dead] = await h.t.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.linkId, linkId), eq(outbox.status, "dead")));
    expect(dead).toMatchObject({ lastStatusCode: 401, attempts: 1 });
    // Only the sealed secret is at rest, bound to the partner: never its value.
    const stored = (await h.t.pool.query("select secret_sealed, hint from partner_signing_secrets where partner_id = 'acme-hooks'")).rows;
    expect(stored).toHaveLength(2);
    for (const row of stored) expect(JSON.stringify(row)).not.toContain(second.secret.slice(6, 30));
    await h.t.pool.query("update partner_links set status = 'revoked', ended_at = $2 where id = $1", [linkId, NOW]);
    await h.cache.check();
  });
});
