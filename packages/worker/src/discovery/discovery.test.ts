// Discovery kept current, on a real database with the real partner sandbox: when what a partner may
// be told about a home's devices changes, Alexa gets AddOrUpdateReport / DeleteReport and Google a
// requestSync, each checked by the sandbox against the platform's own definition.
import { createTestDatabase, type TestDatabase } from "@proviso/db/testing";
import type { ReceivedMessage } from "@proviso/sandbox";
import { seed, stableId } from "@proviso/seed";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { deliverDue } from "../delivery/deliver";
import { ingestReports } from "../ingest/ingest";
import { ShadowCache } from "../ingest/shadow-cache";
import { answerPartnerRequest } from "../partner-requests/answer";
import { addConsent, LoopbackSandbox, sandboxAdapters, sandboxDelivery } from "../testing/support";
import { DiscoveryWatch } from "./watch";
import { WorldCache } from "@proviso/snapshot";

const NOW = new Date("2026-11-24T12:00:00Z");
const DAY = 86_400_000;
const home0 = stableId("home:0");
const thermostat = stableId("device:0:0");
const sensor = stableId("device:0:1");
const lock = stableId("device:0:2");
const alexaLink = stableId("link:0:alexa");
const googleLink = stableId("link:0:google-home");
const T = "user.device.sensor.temperature";

let t: TestDatabase;
let cache: WorldCache;
let base = "";
let clock = NOW.getTime();
const sandbox = new LoopbackSandbox();
const newWatch = () => new DiscoveryWatch({ db: t.db, adapters: sandboxAdapters(base), world: () => cache.current(), now: () => clock });
/** A platform's request, answered as the worker's HTTP port answers it. */
const ask = async (adapter: "alexa" | "google", body: unknown, token?: string) => {
  const adapters = sandboxAdapters(base);
  const r = await answerPartnerRequest(
    { db: t.db, world: () => cache.current(), adapters, cipher: null, now: () => clock },
    adapters[adapter],
    body,
    token ? { authorization: `Bearer ${token}` } : {},
  );
  expect(r.status).toBe(200);
  return r.body;
};
/** One watch for the whole file, as a worker runs one: what it remembers between checks is tested too. */
let shared: DiscoveryWatch;
const watch = () => (shared ??= newWatch());
const deliver = () =>
  deliverDue({
    ...sandboxDelivery({ db: t.db, world: () => cache.current(), base, now: () => clock }),
    retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 60_000 },
  });
const setConsent = async (partnerId: string, category: string, mode: "off" | "on_request" | "proactive") => {
  await addConsent(t, home0, partnerId, category, mode);
  await cache.check();
};
type Capability = { interface: string; properties?: { retrievable: boolean; proactivelyReported: boolean } };
type Endpoint = { endpointId: string; capabilities: Capability[] };
const bodyOf = (m: ReceivedMessage) => m.body as { event: { header: { name: string; messageId: string }; payload: { endpoints: Endpoint[] } } };
const alexaReceived = (linkId: string) => sandbox.recorder.list({ partner: "alexa" }).filter((m) => m.authorization === `Bearer sandbox-${linkId}`);
const queued = async () =>
  (await t.pool.query("select link_id, kind, status from outbox where kind like '%.discovery' and status in ('pending', 'retrying') order by link_id")).rows;
const announced = async (linkId: string) => (await t.pool.query("select devices, via from link_discovery where link_id = $1", [linkId])).rows[0];

beforeAll(async () => {
  t = await createTestDatabase();
  await seed(t.db, { now: NOW, homes: 4 });
  base = await sandbox.start();
  cache = new WorldCache(t.db, 60_000);
  await cache.start();
});
afterAll(async () => {
  cache?.stop();
  await sandbox.stop();
  await t?.drop();
});
beforeEach(() => sandbox.reset());

describe("discovery kept current", () => {
  it("announces every link nobody has told yet, except one whose partner just asked; then nothing while nothing changes", async () => {
    // Alexa asks (Discover) for the Berg home: what it was answered is what it knows.
    await ask("alexa", { directive: { header: { namespace: "Alexa.Discovery", name: "Discover" }, payload: { scope: { token: `sandbox-${alexaLink}` } } } });
    expect(await announced(alexaLink)).toMatchObject({ via: "discover" });
    // Google asks SYNC for it too.
    await ask("google", { requestId: "s-1", inputs: [{ intent: "action.devices.SYNC" }] }, `sandbox-${googleLink}`);
    expect(await announced(googleLink)).toMatchObject({ via: "sync" });

    const links = [...cache.current().linkById.values()].filter((l) => l.adapter === "alexa" || l.adapter === "google");
    expect(await watch().check()).toBe(links.length - 2);
    expect((await queued()).map((r) => r.link_id)).not.toContain(alexaLink);
    const r = await deliver();
    expect(r).toMatchObject({ delivered: links.length - 2, retried: 0, dead: 0 });
    const alexa = sandbox.recorder.list({ partner: "alexa" });
    const google = sandbox.recorder.list({ partner: "google-home" });
    expect(alexa.length + google.length).toBe(links.length - 2);
    for (const m of [...alexa, ...google]) expect(m).toMatchObject({ status: expect.any(Number), schemaValid: true });
    expect(alexa.every((m) => m.status === 202 && bodyOf(m).event.header.name === "AddOrUpdateReport")).toBe(true);
    expect(google.every((m) => m.endpoint === "/google/v1/devices:requestSync" && m.status === 200)).toBe(true);
    // Each announcement recorded; the next check finds every link in step.
    for (const l of links) expect(await announced(l.linkId)).toBeTruthy();
    expect(await watch().check()).toBe(0);
    expect(await queued()).toEqual([]);
  });

  it("after a consent applied to the snapshot, looks at that home's links only, and finds what a whole check finds", async () => {
    await setConsent("alexa", T, "off");
    const world = cache.current();
    expect(world).toMatchObject({ origin: "changes applied", changedHomes: [home0] });
    const other = [...world.linksByHome.keys()].find((h) => h !== home0)!;
    expect(await watch().check([other])).toBe(0);
    expect(await watch().check(world.changedHomes)).toBe(1);
    expect(await queued()).toEqual([expect.objectContaining({ link_id: alexaLink, kind: "alexa.discovery" })]);
    expect(await watch().check()).toBe(0); // the whole check finds nothing more
    await deliver();
    await setConsent("alexa", T, "on_request");
    expect(await watch().check(cache.current().changedHomes)).toBe(1);
    await deliver();
    expect(await watch().check()).toBe(0);
  });

  it("runs a kick naming homes over those homes only (none for a kick naming none), any other kick (and the timer's) over every link", async () => {
    const w = newWatch();
    const spy = vi.spyOn(w, "check").mockResolvedValue(0);
    await w.kick(["h1"]); // a watch's first check looks at every link, whatever it was asked
    await w.kick(["h1", "h2"]);
    await w.kick();
    await w.kick(["h3"]);
    await w.kick([]); // no home named: nothing to check
    expect(spy.mock.calls.map(([homes]) => (homes ? [...homes] : "every link"))).toEqual(["every link", ["h1", "h2"], "every link", ["h3"]]);
    // A check that fails (the database away, say) leaves the next to look at every link afresh,
    // not to trust what it had described.
    spy.mockClear();
    spy.mockRejectedValueOnce(new Error("database away"));
    await w.kick(["h4"]);
    await (w as unknown as { runner: { kick(): Promise<void> } }).runner.kick(); // the timer's kick
    await (w as unknown as { runner: { kick(): Promise<void> } }).runner.kick();
    expect(spy.mock.calls.map(([homes, opts]) => (homes ? [...homes] : opts?.timed ? "timed" : "every link"))).toEqual([["h4"], "every link", "timed"]);
    await w.stop();
    // The timer's checks: every link (a certification running out changes what may be told with no write).
    const timed = new DiscoveryWatch({ db: t.db, adapters: sandboxAdapters(base), world: () => cache.current(), now: () => clock, intervalMs: 20 });
    const timedSpy = vi.spyOn(timed, "check").mockResolvedValue(0);
    timed.start();
    await new Promise((r) => setTimeout(r, 120));
    await timed.stop();
    expect(timedSpy.mock.calls.length).toBeGreaterThan(2);
    expect(timedSpy.mock.calls.every(([homes]) => homes === undefined)).toBe(true);
  });

  it("tells Alexa when the homeowner's consent changes what it may ask for: only the endpoints that changed, with the new flags", async () => {
    await setConsent("alexa", T, "off");
    expect(await watch().check()).toBe(1);
    expect((await deliver()).delivered).toBe(1);
    const [m] = alexaReceived(alexaLink);
    expect(m).toMatchObject({ status: 202, schemaValid: true });
    const endpoints = bodyOf(m!).event.payload.endpoints;
    // The thermostat and the room sensor report temperature; the lock does not and is not repeated.
    expect(endpoints.map((e) => e.endpointId).sort()).toEqual([thermostat, sensor].sort());
    const caps = endpoints.find((e) => e.endpointId === thermostat)!.capabilities.map((c) => c.interface);
    expect(caps).not.toContain("Alexa.TemperatureSensor");
    expect(caps).toContain("Alexa.ThermostatController");
    expect(await announced(alexaLink)).toMatchObject({ via: "add_or_update" });
    expect(await watch().check()).toBe(0);

    // Back on: told again, TemperatureSensor retrievable and not proactively reported (v1 allows on request only).
    await setConsent("alexa", T, "on_request");
    expect(await watch().check()).toBe(1);
    await deliver();
    const again = bodyOf(alexaReceived(alexaLink).at(-1)!).event.payload.endpoints.find((e) => e.endpointId === thermostat)!;
    expect(again.capabilities.find((c) => c.interface === "Alexa.TemperatureSensor")!.properties).toMatchObject({
      retrievable: true,
      proactivelyReported: false,
    });
  });

  it("any number of workers noticing one change queue one update, and it tells what holds when it goes", async () => {
    await setConsent("alexa", T, "off");
    const [a, b] = [watch(), newWatch()];
    const counts = await Promise.all([a.check(), b.check()]);
    expect(counts.reduce((x, y) => x + y, 0)).toBe(1);
    // Changed back before it went: Alexa already knows this, so nothing is sent.
    await setConsent("alexa", T, "on_request");
    expect(await a.check()).toBe(0);
    expect((await deliver()).cancelled).toBe(1);
    expect(alexaReceived(alexaLink)).toEqual([]);
    const [cancelled] = (
      await t.pool.query("select last_error from outbox where link_id = $1 and kind = 'alexa.discovery' order by id desc limit 1", [alexaLink])
    ).rows;
    expect(cancelled.last_error).toBe("nothing to announce: the partner was already told this");

    // Changed again before it went: the one update carries both changes.
    await setConsent("alexa", T, "off");
    expect(await a.check()).toBe(1);
    for (const c of ["user.device.sensor.setpoint", "user.device.sensor.hvac_mode"]) await setConsent("alexa", c, "off");
    expect(await b.check()).toBe(0);
    await deliver();
    const sent = alexaReceived(alexaLink);
    expect(sent).toHaveLength(1);
    const caps = bodyOf(sent[0]!)
      .event.payload.endpoints.find((e) => e.endpointId === thermostat)!
      .capabilities.map((c) => c.interface);
    expect(caps).toEqual(["Alexa"]);
    // Put back as it began.
    for (const c of [T, "user.device.sensor.setpoint", "user.device.sensor.hvac_mode"]) await setConsent("alexa", c, "on_request");
    expect(await a.check()).toBe(1);
    await deliver();
    expect(await a.check()).toBe(0);
  });

  it("retries a refused update with the same message ids, and records nothing until the partner takes it", async () => {
    await setConsent("google-home", "user.device.sensor.lock_state", "off");
    expect(await watch().check()).toBe(1);
    const before = await announced(googleLink);
    await fetch(`${base}/__sandbox/faults/google-home`, { method: "POST", body: JSON.stringify({ status: 503 }) });
    expect((await deliver()).retried).toBe(1);
    expect(await announced(googleLink)).toEqual(before);
    await fetch(`${base}/__sandbox/faults/google-home`, { method: "DELETE" });
    clock += 120_000;
    expect((await deliver()).delivered).toBe(1);
    const syncs = sandbox.recorder.list({ partner: "google-home" });
    expect(syncs.map((m) => m.status)).toEqual([503, 200]);
    expect(syncs[0]!.body).toEqual({ agentUserId: expect.any(String), async: true });
    expect(syncs[1]!.body).toEqual(syncs[0]!.body);
    expect(await announced(googleLink)).toMatchObject({ via: "request_sync" });
    // And a SYNC now declares the lock with no LockUnlock trait.
    const sync = (await ask("google", { requestId: "s-2", inputs: [{ intent: "action.devices.SYNC" }] }, `sandbox-${googleLink}`)) as {
      payload: { devices: { id: string; traits: string[] }[] };
    };
    expect(sync.payload.devices.find((d) => d.id === lock)!.traits).toEqual([]);
  });

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
    clock += 46 * DAY;
    expect(await watch().check()).toBeGreaterThan(0);
    await deliver();
    const later = alexaReceived(alexaLink);
    expect(later.map((m) => bodyOf(m).event.header.name)).toEqual(["DeleteReport"]);
    expect(bodyOf(later[0]!).event.payload.endpoints).toEqual([{ endpointId: sensor }]);
    // Alexa's own Discover agrees.
    const discovered = (await ask("alexa", {
      directive: { header: { namespace: "Alexa.Discovery", name: "Discover" }, payload: { scope: { token: `sandbox-${alexaLink}` } } },
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
    clock += 365 * DAY;
    await watch().check(undefined, { timed: true });
    expect(watch().lastCheck.hashed).toBeGreaterThan(0);
    await deliver();
    expect(await watch().check(undefined, { timed: true })).toBe(0);
    expect(watch().lastCheck.hashed).toBe(0);
  });
});
