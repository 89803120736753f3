// SmartThings end to end, on a real database, the worker's own HTTP port and the sandbox playing
// SmartThings: installing (discovery, then callback access granted and its tokens sealed),
// proactive state within the terms, state refresh answered only with what is allowed, discovery
// changes told by callback, the callback token refreshed on 401, and the integration deleted.
import { createTokenCipher, generateTokenKey } from "@proviso/core";
import { partnerLinks } from "@proviso/db";
import { createTestDatabase, type TestDatabase } from "@proviso/db/testing";
import { seed, stableId } from "@proviso/seed";
import { WorldCache } from "@proviso/snapshot";
import { eq } from "drizzle-orm";
import type http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { deliverDue } from "./delivery/deliver";
import { DiscoveryWatch } from "./discovery/watch";
import { createWorkerHttp } from "./http/server";
import { IngestBuffer } from "./ingest/buffer";
import { ingestReports } from "./ingest/ingest";
import { ShadowCache } from "./ingest/shadow-cache";
import { parseStateReport } from "./ingest/validate";
import { createMetrics } from "./metrics";
import { addConsent, linkToken, LoopbackSandbox, sandboxAdapters, sandboxDelivery } from "./testing/support";

const NOW = new Date("2026-11-24T12:00:00Z");
const home0 = stableId("home:0");
const thermostat = stableId("device:0:0");
const lock = stableId("device:0:2");
const T = "user.device.sensor.temperature";
const HUMIDITY = "user.device.sensor.humidity";
const CONTACT = "user.device.sensor.contact_state";

let t: TestDatabase;
let cache: WorldCache;
let server: http.Server;
let ingestBuffer: IngestBuffer;
let base = "";
let linkId = "";
let clock = NOW.getTime();
let seq = 1_000;
const sandbox = new LoopbackSandbox(() => clock);
const cipher = createTokenCipher(generateTokenKey());
const shadows = new ShadowCache();

const sandboxApi = async (path: string, body: unknown) =>
  (await (await fetch(`${base}${path}`, { method: "POST", body: JSON.stringify(body) })).json()) as Record<string, unknown>;
const received = () => sandbox.recorder.list({ partner: "smartthings" });
const callbacks = () => received().filter((m) => m.endpoint === "/smartthings/callback");
const setConsent = async (category: string, mode: "off" | "on_request" | "proactive") => {
  await addConsent(t, home0, "smartthings", category, mode);
  await cache.check();
};
const report = (deviceId: string, properties: Record<string, unknown>) => {
  clock += 61_000;
  const raw = JSON.stringify({ v: 1, deviceId, seq: ++seq, observedAt: new Date(clock).toISOString(), cause: "physical", properties });
  const parsed = parseStateReport(raw, clock);
  if (!parsed.ok) throw new Error(parsed.rejection.reason);
  return { source: "http" as const, raw, report: parsed.report };
};
const ingest = (...items: ReturnType<typeof report>[]) =>
  ingestReports(t.db, { world: cache.current(), adapters: sandboxAdapters(base), reports: items, now: new Date(clock), shadows });
const deliver = () =>
  deliverDue({
    ...sandboxDelivery({ db: t.db, world: () => cache.current(), base, now: () => clock, cipher }),
    retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 60_000 },
  });
const storedLink = async () => (await t.db.select().from(partnerLinks).where(eq(partnerLinks.id, linkId)))[0]!;
type StState = { capability: string; attribute: string; value: unknown; unit?: string };

beforeAll(async () => {
  t = await createTestDatabase();
  await seed(t.db, { now: NOW, homes: 4 });
  // The Berg home links SmartThings (its terms: temperature rounded to 1 °C, humidity, contact state).
  await t.pool.query("delete from partner_links where home_id = $1 and partner_id = 'smartthings'", [home0]).catch(() => {});
  linkId = (
    await t.pool.query(
      "insert into partner_links (home_id, partner_id, region, external_account_id, linked_at) values ($1, 'smartthings', 'US', 'st-berg', $2) returning id",
      [home0, NOW],
    )
  ).rows[0].id;
  base = await sandbox.start();
  cache = new WorldCache(t.db, 60_000, undefined, cipher);
  await cache.start();
  const adapters = sandboxAdapters(base);
  ingestBuffer = new IngestBuffer({ db: t.db, adapters, world: () => cache.current(), maxWaitMs: 5 });
  server = createWorkerHttp({
    db: t,
    mqttConnected: () => true,
    metrics: createMetrics(),
    ingest: ingestBuffer,
    partners: { world: () => cache.current(), adapters, cipher, now: () => clock },
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  sandbox.options.smartthingsConnectorUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/partners/smartthings`;
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await ingestBuffer?.stop();
  cache?.stop();
  await sandbox.stop();
  await t?.drop();
});
beforeEach(() => sandbox.reset());

describe("SmartThings through its Schema connector", () => {
  it("is not told of discovery before it grants callback access: there is nowhere to call, and nothing is queued again and again", async () => {
    const watch = new DiscoveryWatch({ db: t.db, adapters: sandboxAdapters(base), world: () => cache.current(), now: () => clock });
    await watch.check();
    const queued = async () => (await t.pool.query("select count(*)::int as n from outbox where link_id = $1", [linkId])).rows[0].n;
    expect(await queued()).toBe(0);
    await watch.check([home0]);
    expect(await queued()).toBe(0);
  });

  it("installs as SmartThings does: discovery answered with the home's devices, then callback access granted and its tokens kept sealed", async () => {
    const r = (await sandboxApi("/__sandbox/smartthings/install", { token: await linkToken(t.db, linkId, clock) })) as {
      discovery: { status: number; body: { devices: { externalDeviceId: string }[] } };
      grant: { status: number };
    };
    expect(r.discovery.status).toBe(200);
    expect(r.discovery.body.devices.map((d) => d.externalDeviceId)).toContain(thermostat);
    expect(r.grant.status).toBe(200);
    for (const m of received()) expect(m).toMatchObject({ schemaValid: true, schemaErrors: [] });
    const link = await storedLink();
    expect(link.callbackUrls).toEqual({ oauthToken: `${base}/smartthings/oauth/token`, stateCallback: `${base}/smartthings/callback` });
    expect(link.accessTokenEnc).toMatch(/^v2:/);
    expect(cipher.decrypt(link.accessTokenEnc!, linkId)).toMatch(/^st-access-/);
    const entries = (await t.pool.query("select action, details::text as details from audit_log where entity_id = $1", [linkId])).rows;
    expect(entries.map((e) => e.action)).toContain("link.grant_accepted");
    expect(entries.some((e) => e.details.includes(cipher.decrypt(link.accessTokenEnc!, linkId)))).toBe(false);
    await cache.check();
    expect(cache.current().linkById.get(linkId)!.accessToken).toMatch(/^st-access-/);
  });

  it("sends state as it changes to the callback URL with the callback token, with only what the terms and consent allow", async () => {
    await setConsent(T, "proactive");
    await setConsent(HUMIDITY, "off");
    await ingest(report(thermostat, { temperature: 21.4, humidity: 41, heatingSetpoint: 19 }));
    await deliver();
    expect(callbacks()).toHaveLength(1);
    const [m] = callbacks();
    expect(m).toMatchObject({ status: 200, schemaValid: true, schemaErrors: [] });
    const body = m!.body as {
      headers: { interactionType: string };
      authentication: { token: string };
      deviceState: { externalDeviceId: string; states: StState[] }[];
    };
    expect(body.headers.interactionType).toBe("stateCallback");
    expect(body.authentication.token).toBe(cipher.decrypt((await storedLink()).accessTokenEnc!, linkId));
    // Rounded to 1 °C as clause 2.1 says; humidity is off by consent, setpoints not in the terms at all.
    expect(body.deviceState).toEqual([
      {
        externalDeviceId: thermostat,
        states: [{ component: "main", capability: "st.temperatureMeasurement", attribute: "temperature", value: 21, unit: "C" }],
      },
    ]);
  });

  it("answers a state refresh with only what on-request terms and consent allow, and records each decision", async () => {
    await setConsent(T, "on_request");
    await setConsent(CONTACT, "off");
    await ingest(report(lock, { contactState: "open", lockState: "locked" }));
    const r = (await sandboxApi("/__sandbox/smartthings/ask", {
      token: await linkToken(t.db, linkId, clock),
      interactionType: "stateRefreshRequest",
      deviceIds: [thermostat, lock, stableId("device:1:0")],
    })) as {
      status: number;
      body: { deviceState: { externalDeviceId: string; states: StState[] }[] };
    };
    expect(r.status).toBe(200);
    expect(received().at(-1)).toMatchObject({ schemaValid: true });
    // Another home's device is not this link's to ask about.
    expect(r.body.deviceState.map((d) => d.externalDeviceId)).toEqual([thermostat, lock]);
    expect(r.body.deviceState[0]!.states.map((s) => s.attribute)).toEqual(["temperature"]);
    expect(r.body.deviceState[1]!.states).toEqual([]);
    const decided = (
      await t.pool.query("select category_key, outcome from decisions where stage = 'request' and partner_id = 'smartthings' and device_id = $1", [lock])
    ).rows;
    expect(decided).toContainEqual({ category_key: CONTACT, outcome: "withhold" });
  });

  it("refuses a token that stands for no SmartThings link in SmartThings' own error shape", async () => {
    for (const token of ["made-up", `sandbox-${linkId}`, await linkToken(t.db, stableId("link:0:alexa"), clock)]) {
      const r = (await sandboxApi("/__sandbox/smartthings/ask", { token, interactionType: "discoveryRequest" })) as { status: number; body: unknown };
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ globalError: { errorEnum: "INVALID-TOKEN" } });
      expect(received().at(-1)).toMatchObject({ schemaValid: true });
    }
  });

  it("tells SmartThings by discovery callback when what it may know of a device changes (its name; what the consents since allow)", async () => {
    await t.pool.query("update devices set name = 'Hall thermostat' where id = $1", [thermostat]);
    await cache.check();
    const watch = new DiscoveryWatch({ db: t.db, adapters: sandboxAdapters(base), world: () => cache.current(), now: () => clock });
    expect(await watch.check([home0])).toBeGreaterThan(0);
    await deliver();
    const sent = callbacks().find((m) => (m.body as { headers: { interactionType: string } }).headers.interactionType === "discoveryCallback");
    expect(sent).toMatchObject({ status: 200, schemaValid: true });
    const told = (sent!.body as { devices: { externalDeviceId: string; friendlyName: string }[] }).devices;
    expect(told).toContainEqual(expect.objectContaining({ externalDeviceId: thermostat, friendlyName: "Hall thermostat" }));
    // The lock's description has not moved since SmartThings discovered it: it is not told again.
    expect(told.map((d) => d.externalDeviceId)).not.toContain(lock);
    expect((await t.pool.query("select via from link_discovery where link_id = $1", [linkId])).rows[0].via).toBe("discovery_callback");
  });

  it("refreshes an expired callback token once on 401 at the link's token endpoint, and delivers with the new one", async () => {
    await setConsent(T, "proactive");
    const before = cipher.decrypt((await storedLink()).accessTokenEnc!, linkId);
    await fetch(`${base}/__sandbox/tokens/expire`, { method: "POST", body: JSON.stringify({ token: before }) });
    await ingest(report(thermostat, { temperature: 23.6 }));
    expect((await deliver()).delivered).toBe(1);
    expect(callbacks().map((m) => m.status)).toEqual([401, 200]);
    const after = cipher.decrypt((await storedLink()).accessTokenEnc!, linkId);
    expect(after).not.toBe(before);
    expect((callbacks()[1]!.body as { authentication: { token: string } }).authentication.token).toBe(after);
    await cache.check();
  });

  it("ends the link when SmartThings says the integration was deleted: nothing more goes, and a deletion request is recorded", async () => {
    await ingest(report(thermostat, { temperature: 25.2 }));
    const r = (await sandboxApi("/__sandbox/smartthings/ask", { token: await linkToken(t.db, linkId, clock), interactionType: "integrationDeleted" })) as {
      status: number;
    };
    expect(r.status).toBe(200);
    expect(await storedLink()).toMatchObject({ status: "unlinked" });
    expect((await t.pool.query("select count(*)::int as n from deletion_requests where link_id = $1", [linkId])).rows[0].n).toBe(1);
    expect((await t.pool.query("select action from audit_log where entity_id = $1 order by seq desc limit 1", [linkId])).rows[0].action).toBe(
      "link.unlinked_by_partner",
    );
    await cache.check();
    expect((await deliver()).delivered).toBe(0);
    expect(callbacks()).toEqual([]);
  });
});
