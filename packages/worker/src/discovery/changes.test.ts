// Discovery as the terms, time and the devices move: a new agreement version, a certification running
// out, devices renamed or moved between homes, links that end, and the timer's cheap check.
import { beforeAll, describe, expect, it } from "vitest";
import { stableId } from "@proviso/seed";
import { ingestReports } from "../ingest/ingest";
import { sandboxAdapters } from "../testing/support";
import { ShadowCache } from "../ingest/shadow-cache";
import {
  DAY,
  type Endpoint,
  T,
  advanceClock,
  alexaLink,
  alexaReceived,
  announced,
  ask,
  base,
  bodyOf,
  cache,
  clock,
  deliver,
  googleLink,
  home0,
  lock,
  queued,
  sandbox,
  sensor,
  setConsent,
  t,
  thermostat,
  watch,
  useDiscovery,
  tokenFor,
} from "./testing";

useDiscovery();
// Every link told what it may be told, as a running worker's first check leaves them.
beforeAll(async () => {
  await watch().check();
  await deliver();
});

describe("discovery as terms, time and devices move", () => {
  it("a new agreement version in force, and then time alone: Alexa hears of proactive reporting, and of a model withdrawn when its certification runs out", async () => {
    // Alexa's v2 takes effect (it asks for proactive temperature, and withdraws from discovery a
    // model whose Works with Alexa certification lapses); the homeowner opts in to proactive temperature.
    await t.pool.query(
      `update agreement_versions v set status = 'superseded', ended_at = $1 from agreements a where a.id = v.agreement_id and a.partner_id = 'alexa' and v.version = 1`,
      [new Date(clock)],
    );
    await t.pool.query(
      `update agreement_versions v set status = 'active', effective_from = $1, activated_at = $1 from agreements a where a.id = v.agreement_id and a.partner_id = 'alexa' and v.version = 2`,
      [new Date(clock - DAY)],
    );
    await setConsent("alexa", T, "proactive");
    expect(await watch().check()).toBeGreaterThan(0);
    expect((await queued()).map((r) => r.link_id)).toContain(alexaLink);
    await deliver();
    const mine = alexaReceived(alexaLink);
    // The thermostat's temperature is now proactively reported.
    expect(mine.map((m) => bodyOf(m).event.header.name)).toEqual(["AddOrUpdateReport"]);
    expect(mine[0]).toMatchObject({ status: 202, schemaValid: true });
    const temp = bodyOf(mine[0]!)
      .event.payload.endpoints.find((e) => e.endpointId === thermostat)!
      .capabilities.find((c) => c.interface === "Alexa.TemperatureSensor")!;
    expect(temp.properties).toMatchObject({ retrievable: true, proactivelyReported: true });
    expect(await watch().check()).toBe(0);

    // The lock's Works with Alexa certification is revoked: v2 withdraws the model from discovery.
    sandbox.recorder.clear();
    await t.pool.query("update certifications set status = 'revoked', updated_at = $2 where id = $1", [
      stableId("cert:proviso-l1:works-with-alexa"),
      new Date(clock),
    ]);
    await cache.check();
    expect(await watch().check()).toBeGreaterThan(0);
    await deliver();
    const withdrawn = alexaReceived(alexaLink);
    expect(withdrawn.map((m) => bodyOf(m).event.header.name)).toEqual(["DeleteReport"]);
    expect(withdrawn[0]).toMatchObject({ status: 202, schemaValid: true });
    expect(bodyOf(withdrawn[0]!).event.payload.endpoints).toEqual([{ endpointId: lock }]);
    expect(Object.keys((await announced(alexaLink)).devices).sort()).toEqual([thermostat, sensor].sort());
    expect(await watch().check()).toBe(0);

    // Forty-six days on, with nothing written: the room sensor's certification (valid 45 days) has run out.
    sandbox.recorder.clear();
    advanceClock(46 * DAY);
    expect(await watch().check()).toBeGreaterThan(0);
    await deliver();
    const later = alexaReceived(alexaLink);
    expect(later.map((m) => bodyOf(m).event.header.name)).toEqual(["DeleteReport"]);
    expect(bodyOf(later[0]!).event.payload.endpoints).toEqual([{ endpointId: sensor }]);
    // Alexa's own Discover agrees.
    const discovered = (await ask("alexa", {
      directive: { header: { namespace: "Alexa.Discovery", name: "Discover" }, payload: { scope: { token: await tokenFor(alexaLink) } } },
    })) as unknown as {
      event: { payload: { endpoints: Endpoint[] } };
    };
    expect(discovered.event.payload.endpoints.map((e) => e.endpointId)).toEqual([thermostat]);
  });

  it("a device renamed or moved is announced again with its new name and room", async () => {
    await t.pool.query("update devices set name = 'Hall thermostat', room = 'Hall' where id = $1", [thermostat]);
    await cache.check();
    expect(await watch().check()).toBeGreaterThan(0);
    await deliver();
    const [m] = alexaReceived(alexaLink);
    const endpoints = (m!.body as { event: { payload: { endpoints: { endpointId: string; friendlyName: string; description: string }[] } } }).event.payload
      .endpoints;
    expect(endpoints).toHaveLength(1);
    expect(endpoints[0]).toMatchObject({ endpointId: thermostat, friendlyName: "Hall thermostat", description: expect.stringContaining("(Hall)") });
    expect(await watch().check()).toBe(0);
  });

  it("a device moved to another home: the old home's partner is told it is gone, the new one's of it, and it is decided by the new home's links", async () => {
    const home1 = stableId("home:1");
    const links1 = (await t.pool.query("select id, partner_id from partner_links where home_id = $1 and status = 'active'", [home1])).rows as {
      id: string;
      partner_id: string;
    }[];
    const alexa1 = links1.find((l) => l.partner_id === "alexa");
    expect(alexa1).toBeDefined();
    await t.pool.query("update devices set home_id = $2 where id = $1", [thermostat, home1]);
    await cache.check();
    expect(cache.current().devices.get(thermostat)!.homeId).toBe(home1);
    expect(await watch().check()).toBeGreaterThan(0);
    await deliver();
    const gone = alexaReceived(alexaLink).filter((m) => bodyOf(m).event.header.name === "DeleteReport");
    expect(gone.map((m) => bodyOf(m).event.payload.endpoints)).toEqual([[{ endpointId: thermostat }]]);
    const added = alexaReceived(alexa1!.id).filter((m) => bodyOf(m).event.header.name === "AddOrUpdateReport");
    expect(added.flatMap((m) => bodyOf(m).event.payload.endpoints.map((e) => e.endpointId))).toContain(thermostat);
    // Its next report is decided for the new home's partners, not the old one's.
    const r = await ingestReports(t.db, {
      world: cache.current(),
      adapters: sandboxAdapters(base),
      reports: [
        {
          source: "http",
          raw: "{}",
          report: { v: 1, deviceId: thermostat, seq: 10_000, observedAt: new Date(clock).toISOString(), cause: "physical", properties: { temperature: 20 } },
        },
      ],
      now: new Date(clock),
      shadows: new ShadowCache(),
    });
    expect(r.accepted).toBe(1);
    const decided = (await t.pool.query("select distinct home_id, link_id from decisions where device_id = $1 and stage = 'change'", [thermostat])).rows;
    expect(decided.map((d) => d.home_id)).toEqual([home1]);
    expect(decided.map((d) => d.link_id).sort()).toEqual(links1.map((l) => l.id).sort());
  });

  it("a link with nothing it may discover is not told, and not queued again and again", async () => {
    const [{ id: home }] = (await t.pool.query("insert into homes (name, region, timezone) values ('Empty home', 'US', 'America/New_York') returning id")).rows;
    const [{ id: link }] = (
      await t.pool.query(
        "insert into partner_links (home_id, partner_id, region, external_account_id) values ($1, 'alexa', 'US', 'alexa-empty') returning id",
        [home],
      )
    ).rows;
    await cache.check();
    expect(await watch().check()).toBe(1);
    expect((await deliver()).cancelled).toBe(1);
    expect(alexaReceived(link)).toEqual([]);
    expect(await announced(link)).toMatchObject({ devices: {}, via: "nothing_to_tell" });
    expect(await watch().check()).toBe(0);
  });

  it("a link that ends before its update goes: the update is cancelled, not sent", async () => {
    const [latest] = (
      await t.pool.query("select mode from consents where home_id = $1 and partner_id = 'google-home' and category_key = $2 order by version desc limit 1", [
        home0,
        T,
      ])
    ).rows;
    await setConsent("google-home", T, latest?.mode === "proactive" ? "off" : "proactive");
    expect(await watch().check()).toBe(1);
    await t.pool.query("update partner_links set status = 'revoked', ended_at = $2 where id = $1", [googleLink, new Date(clock)]);
    await cache.check();
    expect((await deliver()).cancelled).toBe(1);
    expect(sandbox.recorder.list({ partner: "google-home" })).toEqual([]);
    const [row] = (
      await t.pool.query("select status, last_error from outbox where link_id = $1 and kind = 'google.discovery' order by id desc limit 1", [googleLink])
    ).rows;
    expect(row).toMatchObject({ status: "cancelled", last_error: "link no longer active" });
  });

  it("the timer's check hashes no link whose partner's state has not moved, yet queues again what a partner lost, and looks afresh once time moves a partner's state", async () => {
    await cache.check();
    await watch().check();
    await deliver();
    expect(await watch().check()).toBe(0);
    const all = watch().lastCheck.links;
    expect(all).toBeGreaterThan(2);

    // Nothing moved: every link is compared with what it was told, none hashed or described.
    expect(await watch().check(undefined, { timed: true })).toBe(0);
    expect(watch().lastCheck).toEqual({ links: all, hashed: 0, described: 0 });

    // What Alexa was told is lost (the record of it gone, as if the update never landed): queued again.
    await t.pool.query("delete from link_discovery where link_id = $1", [alexaLink]);
    expect(await watch().check(undefined, { timed: true })).toBe(1);
    expect(watch().lastCheck.hashed).toBe(0);
    expect((await queued()).map((r) => r.link_id)).toEqual([alexaLink]);
    await deliver();
    expect(await watch().check(undefined, { timed: true })).toBe(0);

    // A year on with nothing written, every certification has run out: the partners' states moved,
    // so their links are looked at afresh.
    advanceClock(365 * DAY);
    await watch().check(undefined, { timed: true });
    expect(watch().lastCheck.hashed).toBeGreaterThan(0);
    await deliver();
    expect(await watch().check(undefined, { timed: true })).toBe(0);
    expect(watch().lastCheck.hashed).toBe(0);
  });
});
