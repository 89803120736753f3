// Discovery kept current, on a real database with the real partner sandbox: when what a partner may
// be told about a home's devices changes, Alexa gets AddOrUpdateReport / DeleteReport and Google a
// requestSync, each checked by the sandbox against the platform's own definition.
import { describe, expect, it, vi } from "vitest";
import { sandboxAdapters } from "../testing/support";
import { DiscoveryWatch } from "./watch";
import {
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
  newWatch,
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

describe("discovery kept current", () => {
  it("announces every link nobody has told yet, except one whose partner just asked; then nothing while nothing changes", async () => {
    // Alexa asks (Discover) for the Berg home: what it was answered is what it knows.
    await ask("alexa", { directive: { header: { namespace: "Alexa.Discovery", name: "Discover" }, payload: { scope: { token: await tokenFor(alexaLink) } } } });
    expect(await announced(alexaLink)).toMatchObject({ via: "discover" });
    // Google asks SYNC for it too.
    await ask("google", { requestId: "s-1", inputs: [{ intent: "action.devices.SYNC" }] }, await tokenFor(googleLink));
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
    advanceClock(120_000);
    expect((await deliver()).delivered).toBe(1);
    const syncs = sandbox.recorder.list({ partner: "google-home" });
    expect(syncs.map((m) => m.status)).toEqual([503, 200]);
    expect(syncs[0]!.body).toEqual({ agentUserId: expect.any(String), async: true });
    expect(syncs[1]!.body).toEqual(syncs[0]!.body);
    expect(await announced(googleLink)).toMatchObject({ via: "request_sync" });
    // And a SYNC now declares the lock with no LockUnlock trait.
    const sync = (await ask("google", { requestId: "s-2", inputs: [{ intent: "action.devices.SYNC" }] }, await tokenFor(googleLink))) as {
      payload: { devices: { id: string; traits: string[] }[] };
    };
    expect(sync.payload.devices.find((d) => d.id === lock)!.traits).toEqual([]);
  });
});
