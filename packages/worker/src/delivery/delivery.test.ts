// Delivery to the partner sandbox: re-decided at send time, in each platform's format, with leases,
// retries, dead letters, token refresh (on 401 and before expiry) and revocation (signed webhooks:
// webhook-signing.test.ts).
import { describe, expect, it, vi } from "vitest";
import { NOW, home0, thermostat, useHarness } from "../testing/harness";
import { desc, eq, inArray } from "drizzle-orm";
import { claimDue } from "./deliver";
import { httpPost } from "./http-post";
import { outbox, partnerLinks } from "@proviso/db";
import { stableId } from "@proviso/seed";
import { queueDiscoveryUpdates } from "../discovery/announcements";
import { DeliveryLoop } from "./loop";

const h = useHarness();

describe("delivery", () => {
  it("re-decides at delivery: a consent revoked after queueing stops the message, and the ledger says why", async () => {
    // A partner of its own, following temperature as it changes: nothing of it is queued or told yet.
    const T = "user.device.sensor.temperature";
    const linkId = await h.addPartner({
      id: "redecide-hooks",
      adapter: "webhook",
      homeId: home0,
      categories: [T],
      since: new Date(NOW.getTime() - 86_400_000),
    });
    await h.setConsent("redecide-hooks", T, "proactive");
    const queued = async () => (await h.t.db.select().from(outbox).where(eq(outbox.linkId, linkId))).map((r) => ({ status: r.status, lastError: r.lastError }));
    await h.ingest(h.report(thermostat, { temperature: 17.5 }));
    expect(await queued()).toEqual([{ status: "pending", lastError: null }]);
    // Revoked after the message was decided and queued: at delivery it is decided again and stopped.
    await h.setConsent("redecide-hooks", T, "off");
    await h.deliver();
    expect(h.received("redecide-hooks")).toEqual([]);
    expect(await queued()).toEqual([{ status: "cancelled", lastError: "withheld at delivery: CONSENT_OFF" }]);
    const [d] = (await h.t.pool.query("select outcome, reasons from decisions where stage = 'delivery' and link_id = $1", [linkId])).rows;
    expect(d).toMatchObject({ outcome: "withhold" });
    expect(d.reasons.map((x: { code: string }) => x.code)).toEqual(["CONSENT_OFF"]);
    // Granted again, the next change goes: what stopped the first was the revocation, nothing else.
    await h.setConsent("redecide-hooks", T, "proactive");
    await h.ingest(h.report(thermostat, { temperature: 18.5 }));
    await h.deliver();
    expect(h.received("redecide-hooks").map((m) => (m.body as { properties: object }).properties)).toEqual([{ temperature: 18.5 }]);
    await h.t.pool.query("update partner_links set status = 'unlinked', ended_at = $2 where id = $1", [linkId, NOW]);
    await h.cache.check();
  });

  it("records a message stopped at delivery and its reason together, even if the round then fails", async () => {
    const T = "user.device.sensor.temperature";
    const stopped = await h.addPartner({
      id: "stopped-hooks",
      adapter: "webhook",
      homeId: home0,
      categories: [T],
      since: new Date(NOW.getTime() - 86_400_000),
    });
    const steady = await h.addPartner({
      id: "steady-hooks",
      adapter: "webhook",
      homeId: home0,
      categories: [T],
      since: new Date(NOW.getTime() - 86_400_000),
    });
    for (const p of ["stopped-hooks", "steady-hooks"]) await h.setConsent(p, T, "proactive");
    await h.ingest(h.report(thermostat, { temperature: 16.5 }));
    await h.setConsent("stopped-hooks", T, "off");
    try {
      // The round's end cannot be written (as if the worker died after sending): its deliveries are
      // not marked, so the steady partner's message goes again later (at least once).
      await h.t.pool.query(`create function refuse_delivered() returns trigger language plpgsql as $$ begin raise exception 'the round never ends'; end $$;
        create trigger refuse_delivered before update on outbox for each row when (new.status = 'delivered') execute function refuse_delivered()`);
      try {
        const failure = await h.deliver().then(
          () => null,
          (err: Error) => err,
        );
        expect(String((failure?.cause as Error | undefined)?.message)).toContain("the round never ends");
      } finally {
        await h.t.pool.query("drop trigger refuse_delivered on outbox; drop function refuse_delivered()");
      }
      // The stopped message says why, and so does the ledger: both or neither.
      const [row] = (await h.t.pool.query("select status, last_error from outbox where link_id = $1", [stopped])).rows;
      expect(row).toEqual({ status: "cancelled", last_error: "withheld at delivery: CONSENT_OFF" });
      const ledger = (await h.t.pool.query("select outcome, reasons from decisions where stage = 'delivery' and link_id = $1", [stopped])).rows;
      expect(ledger).toEqual([{ outcome: "withhold", reasons: [expect.objectContaining({ code: "CONSENT_OFF" })] }]);
      // The steady partner's message was sent; unmarked, it goes again (same message id) and is then marked.
      await h.t.pool.query("update outbox set leased_until = null where link_id = $1", [steady]);
      await h.deliver();
      expect(h.received("steady-hooks")).toHaveLength(2);
      expect((await h.t.pool.query("select status from outbox where link_id = $1", [steady])).rows).toEqual([{ status: "delivered" }]);
    } finally {
      await h.t.pool.query("update partner_links set status = 'unlinked', ended_at = $2 where id = any($1)", [[stopped, steady], NOW]);
      await h.cache.check();
    }
  });

  it("refreshes an expired token once on 401 (Login with Amazon) and delivers with the new one", async () => {
    const alexaLink = stableId("link:0:alexa");
    const issued = await fetch(`${h.base}/alexa/auth/o2/token`, { method: "POST", body: "grant_type=authorization_code&code=c" });
    const tokens = (await issued.json()) as { access_token: string; refresh_token: string };
    await h.t.db
      .update(partnerLinks)
      .set({ accessTokenEnc: h.cipher.encrypt(tokens.access_token, alexaLink), refreshTokenEnc: h.cipher.encrypt(tokens.refresh_token, alexaLink) })
      .where(eq(partnerLinks.id, alexaLink));
    await h.cache.check(true);
    await fetch(`${h.base}/__sandbox/tokens/expire`, { method: "POST", body: JSON.stringify({ token: tokens.access_token }) });
    // A discovery update for a link never told anything: Alexa is to hear of every endpoint.
    await h.t.pool.query("delete from link_discovery where link_id = $1", [alexaLink]);
    expect(
      await queueDiscoveryUpdates(h.t.db, [{ link: h.cache.current().linkById.get(alexaLink)!, diff: { upserts: [], deletes: [] } }], new Date(h.clock)),
    ).toBe(1);
    const r = await h.deliver();
    expect(r.delivered).toBe(1);
    const got = h.received("alexa");
    expect(got.map((m) => m.status)).toEqual([401, 202]);
    expect(got[0]!.authorization).toBe(`Bearer ${tokens.access_token}`);
    expect(got[1]!.authorization).not.toBe(`Bearer ${tokens.access_token}`);
    const [link] = await h.t.db.select().from(partnerLinks).where(eq(partnerLinks.id, alexaLink));
    expect(h.cipher.decrypt(link!.accessTokenEnc!, alexaLink)).toBe(got[1]!.authorization!.replace("Bearer ", ""));
    expect(h.cipher.decrypt(link!.refreshTokenEnc!, alexaLink)).not.toBe(tokens.refresh_token);
    await h.cache.check();
  });

  it("refreshes a Login with Amazon token before it expires, never sending the old one, and stores the new one for every worker", async () => {
    const alexaLink = stableId("link:0:alexa");
    const issued = await fetch(`${h.base}/alexa/auth/o2/token`, { method: "POST", body: "grant_type=authorization_code&code=c" });
    const tokens = (await issued.json()) as { access_token: string; refresh_token: string };
    // Still valid at the platform, but within the last minutes of its hour.
    await h.t.db
      .update(partnerLinks)
      .set({
        accessTokenEnc: h.cipher.encrypt(tokens.access_token, alexaLink),
        refreshTokenEnc: h.cipher.encrypt(tokens.refresh_token, alexaLink),
        tokenExpiresAt: new Date(h.clock + 60_000),
      })
      .where(eq(partnerLinks.id, alexaLink));
    await h.cache.check(true);
    expect(h.cache.current().linkById.get(alexaLink)!.tokenExpiresAt).toBe(h.clock + 60_000);
    const issuedBefore = h.sandbox.recorder.accessTokens.size;
    await h.t.pool.query("delete from link_discovery where link_id = $1", [alexaLink]);
    await queueDiscoveryUpdates(h.t.db, [{ link: h.cache.current().linkById.get(alexaLink)!, diff: { upserts: [], deletes: [] } }], new Date(h.clock));
    expect((await h.deliver()).delivered).toBe(1);
    const got = h.received("alexa");
    expect(got.map((m) => m.status)).toEqual([202]);
    expect(got[0]!.authorization).not.toBe(`Bearer ${tokens.access_token}`);
    expect(h.sandbox.recorder.accessTokens.size).toBe(issuedBefore + 1);
    const [link] = await h.t.db.select().from(partnerLinks).where(eq(partnerLinks.id, alexaLink));
    expect(h.cipher.decrypt(link!.accessTokenEnc!, alexaLink)).toBe(got[0]!.authorization!.replace("Bearer ", ""));
    expect(link!.tokenExpiresAt!.getTime()).toBeGreaterThan(h.clock + 50 * 60_000);
    await h.cache.check();
  });

  it("leases what it claims: held until the lease runs out, then claimed again as the same message; an attempt's end gives the lease up", async () => {
    await h.ingest(h.report(thermostat, { temperature: 17.5, heatingSetpoint: 19, hvacMode: "heat" }));
    const first = await claimDue(h.t.db, h.clock, 50, 30_000);
    expect(first).toHaveLength(1);
    expect(await claimDue(h.t.db, h.clock + 1_000, 50, 30_000)).toEqual([]); // held by the first claim
    // The worker that claimed it died. Once its lease runs out, the message goes again (as the same
    // message); this attempt fails, which gives the lease up: the retry is due at its own time.
    await fetch(`${h.base}/__sandbox/faults/google-home`, { method: "POST", body: JSON.stringify({ status: 503 }) });
    h.clock += 30_000;
    expect((await h.deliver()).retried).toBe(1);
    const [row] = await h.t.db.select().from(outbox).where(eq(outbox.id, first[0]!.id));
    expect(row).toMatchObject({ status: "retrying", leasedUntil: null, attempts: 2 });
    await fetch(`${h.base}/__sandbox/faults/google-home`, { method: "DELETE" });
    h.clock = row!.nextAttemptAt.getTime();
    expect((await h.deliver()).delivered).toBe(1);
    const [done] = await h.t.db.select().from(outbox).where(eq(outbox.id, first[0]!.id));
    expect(done).toMatchObject({ status: "delivered", leasedUntil: null, attempts: 3 });
    expect(new Set(h.received("google-home").map((m) => m.messageId))).toEqual(new Set([first[0]!.messageId]));
  });

  it("fails only its own attempt when a message cannot be handled: the rest of the batch is delivered, it is retried, then dead-lettered", async () => {
    expect(await h.ingest(h.report(thermostat, { temperature: 16.25 }))).toMatchObject({ outbox: 1 });
    const [good] = await h.t.db.select().from(outbox).where(eq(outbox.status, "pending"));
    // A row no adapter can read (written by hand: the pipeline never writes one like it).
    const [bad] = await h.t.db
      .insert(outbox)
      .values({ ...good!, id: undefined, messageId: crypto.randomUUID(), payload: { deviceId: thermostat, changed: null } as never })
      .returning();
    const first = await h.deliver();
    expect(first).toMatchObject({ claimed: 2, delivered: 1, retried: 1 });
    const [row] = await h.t.db.select().from(outbox).where(eq(outbox.id, bad!.id));
    expect(row).toMatchObject({ status: "retrying", attempts: 1, lastStatusCode: null });
    expect(row!.lastError).toMatch(/^could not be sent: /);
    h.clock += 3_600_000;
    await h.deliver();
    h.clock += 3_600_000;
    expect((await h.deliver()).dead).toBe(1);
    const [dead] = await h.t.db.select().from(outbox).where(eq(outbox.id, bad!.id));
    expect(dead).toMatchObject({ status: "dead", attempts: 3 });
  });

  it("delivers a message queued while a round is under way in the next round, without waiting for another kick", async () => {
    const newest = async () => (await h.t.db.select().from(outbox).orderBy(desc(outbox.id)).limit(1))[0]!;
    expect(await h.ingest(h.report(thermostat, { temperature: 19, heatingSetpoint: 19, hvacMode: "heat" }))).toMatchObject({ outbox: 1 });
    const first = await newest();
    // The first round's sends are held until the second message is queued (and the loop kicked).
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let sent = 0;
    const loop = new DeliveryLoop({
      ...h.deliveryDeps(),
      batchSize: 50,
      post: async (...args) => {
        sent++;
        await held;
        return httpPost(...args);
      },
    });
    const resting = loop.kick();
    await vi.waitFor(() => expect(sent).toBeGreaterThan(0));
    expect(await h.ingest(h.report(thermostat, { temperature: 19.5 }))).toMatchObject({ outbox: 1 });
    const second = await newest();
    expect(loop.kick()).toBe(resting);
    release();
    await resting;
    expect(loop.rounds).toBe(2);
    const rows = await h.t.db
      .select()
      .from(outbox)
      .where(inArray(outbox.id, [first.id, second.id]));
    expect(rows.map((r) => [r.status, r.lastError])).toEqual([
      ["delivered", null],
      ["delivered", null],
    ]);
    const ids = h.received("google-home").map((m) => m.messageId);
    expect(ids).toContain(first.messageId);
    expect(ids).toContain(second.messageId);
    // At rest: a kick runs one round; once stopped, none.
    await loop.kick();
    expect(loop.rounds).toBe(3);
    await loop.stop();
    await loop.kick();
    expect(loop.rounds).toBe(3);
  });

  it("retries 5xx and 429 (honouring Retry-After) with the same message id, then dead-letters", async () => {
    await fetch(`${h.base}/__sandbox/faults/google-home`, { method: "POST", body: JSON.stringify({ status: 429, retryAfterSeconds: 30 }) });
    await h.ingest(h.report(thermostat, { temperature: 18 }));
    expect((await h.deliver()).retried).toBe(1);
    const [row] = await h.t.db.select().from(outbox).where(eq(outbox.status, "retrying"));
    expect(row!.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(h.clock + 30_000);
    await fetch(`${h.base}/__sandbox/faults/google-home`, { method: "POST", body: JSON.stringify({ status: 503 }) });
    h.clock += 31_000;
    expect((await h.deliver()).retried).toBe(1);
    h.clock += 120_000;
    expect((await h.deliver()).dead).toBe(1);
    const ids = new Set(h.received("google-home").map((m) => m.messageId));
    expect(ids.size).toBe(1); // every attempt was recognisably the same message
    const [dead] = await h.t.db.select().from(outbox).where(eq(outbox.id, row!.id));
    expect(dead).toMatchObject({ status: "dead", attempts: 3, lastStatusCode: 503 });
  });

  it("stops for good on 403: the link is revoked and queued messages are cancelled", async () => {
    await fetch(`${h.base}/__sandbox/faults/google-home`, { method: "POST", body: JSON.stringify({ status: 403 }) });
    await h.ingest(h.report(thermostat, { temperature: 16 }));
    await h.ingest(h.report(thermostat, { temperature: 15.5 }));
    const r = await h.deliver();
    expect(r.revoked).toBeGreaterThanOrEqual(1);
    expect(r.revoked + r.cancelled).toBe(2);
    const [link] = await h.t.db
      .select()
      .from(partnerLinks)
      .where(eq(partnerLinks.id, stableId("link:0:google-home")));
    expect(link!.status).toBe("revoked");
    expect(Number((await h.t.pool.query("select count(*) from outbox where status in ('pending','retrying')")).rows[0].count)).toBe(0);
    await h.cache.check();
    expect(
      h.cache
        .current()
        .linksByHome.get(home0)!
        .map((l) => l.partnerId),
    ).toEqual(["alexa"]);
  });
});
