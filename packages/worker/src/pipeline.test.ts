// The worker's pipeline on a real database with the real partner sandbox on loopback: ingest →
// shadow, decisions and outbox in one transaction → delivery, re-decided at send time.
import { createTokenCipher, generateTokenKey } from "@proviso/core";
import { outbox, partnerLinks, quarantine } from "@proviso/db";
import { createTestDatabase, type TestDatabase } from "@proviso/db/testing";
import { createMessageChecker, type PartnerAdapter } from "@proviso/partners";
import { seed, stableId } from "@proviso/seed";
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { claimDue, deliverDue } from "./delivery/deliver";
import { DeliveryLoop } from "./delivery/loop";
import { httpPost } from "./delivery/http-post";
import { detectConnectivity } from "./ingest/connectivity";
import { queueDiscoveryUpdates } from "./discovery/announcements";
import { answerPartnerRequest } from "./partner-requests/answer";
import { ingestReports } from "./ingest/ingest";
import type { IncomingReport } from "./ingest/types";
import { IngestBuffer, laneOf, messageOf } from "./ingest/buffer";
import { ShadowCache } from "./ingest/shadow-cache";
import { parseStateReport } from "./ingest/validate";
import { addConsent, addPartner, LoopbackSandbox, sandboxAdapters, sandboxDelivery } from "./testing/support";
import { readPolicyVersion, WorldCache } from "@proviso/snapshot";

const NOW = new Date("2026-11-24T12:00:00Z");
const home0 = stableId("home:0");
const thermostat = stableId("device:0:0");
const lockDevice = stableId("device:0:2");

let t: TestDatabase;
const cipher = createTokenCipher(generateTokenKey());
let cache: WorldCache;
let base = "";
const sandbox = new LoopbackSandbox(() => clock);
let shadows: ShadowCache;
let seq = 100;
let clock = NOW.getTime();

/** Each report a minute after the last: Google's clause 2.1 allows a temperature at most every 60 s. */
const report = (deviceId: string, properties: Record<string, unknown>, opts: { seq?: number; at?: number } = {}) => {
  clock += 61_000;
  const raw = JSON.stringify({
    v: 1,
    deviceId,
    seq: opts.seq ?? ++seq,
    observedAt: new Date(opts.at ?? clock).toISOString(),
    cause: "physical",
    properties,
  });
  const parsed = parseStateReport(raw, clock);
  return parsed.ok ? { source: "http" as const, raw, report: parsed.report } : { source: "http" as const, raw, rejection: parsed.rejection };
};
const rawItem = (raw: string): IncomingReport => {
  const parsed = parseStateReport(raw, clock);
  return parsed.ok ? { source: "http", raw, report: parsed.report } : { source: "http", raw, rejection: parsed.rejection };
};
/** What reading `raw` concludes, as an IncomingReport's report or rejection. */
const parse = (raw: string | Buffer, topicDeviceId?: string) => {
  const parsed = parseStateReport(raw, clock, topicDeviceId);
  return parsed.ok ? { report: parsed.report } : { rejection: parsed.rejection };
};
const adapters = () => sandboxAdapters(base);
const ingestWith = (items: IncomingReport[], cacheOf: ShadowCache) =>
  ingestReports(t.db, { world: cache.current(), adapters: adapters(), reports: items, now: new Date(clock), shadows: cacheOf });
const ingest = (...items: IncomingReport[]) => ingestWith(items, shadows);
/** A platform's request, answered as the worker's HTTP port answers it: the status and body. */
const ask = (adapter: (a: ReturnType<typeof adapters>) => PartnerAdapter, body: unknown, token?: string) =>
  answerPartnerRequest(
    { db: t.db, world: () => cache.current(), adapters: adapters(), cipher, now: () => clock },
    adapter(adapters()),
    body,
    token ? { authorization: `Bearer ${token}` } : {},
  );
const askAlexa = async (body: unknown) => (await ask((a) => a.alexa, body)).body;
const askGoogle = async (token: string, body: unknown) => (await ask((a) => a.google, body, token)).body;
const deliveryDeps = () => ({
  ...sandboxDelivery({ db: t.db, world: () => cache.current(), base, now: () => clock, cipher }),
  retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 60_000 },
});
const deliver = () => deliverDue(deliveryDeps());
const received = (partner: string) => sandbox.recorder.list({ partner });
const setConsent = async (partnerId: string, category: string, mode: "off" | "on_request" | "proactive") => {
  await addConsent(t, home0, partnerId, category, mode);
  await cache.check();
};

beforeAll(async () => {
  t = await createTestDatabase();
  await seed(t.db, { now: NOW, homes: 6 });
  base = await sandbox.start();
  cache = new WorldCache(t.db, 60_000, undefined, cipher);
  await cache.start();
  shadows = new ShadowCache();
  // The Berg home shares its thermostat with Google as it changes, and its lock on request only.
  for (const c of ["user.device.sensor.temperature", "user.device.sensor.setpoint", "user.device.sensor.hvac_mode"]) {
    await setConsent("google-home", c, "proactive");
  }
  await setConsent("google-home", "user.device.sensor.lock_state", "on_request");
});
afterAll(async () => {
  cache?.stop();
  await sandbox.stop();
  await t?.drop();
});
beforeEach(() => sandbox.reset());

describe("ingest → decide → deliver", () => {
  it("delivers a consented proactive change to Google as complete trait state, and records every decision", async () => {
    const r = await ingest(report(thermostat, { temperature: 21.26, heatingSetpoint: 20, hvacMode: "heat" }));
    expect(r).toMatchObject({ accepted: 1, stateEvents: 1, outbox: 1, quarantined: 0 });
    // Alexa's v1 allows thermostat state on request only: its decisions are withholds.
    const alexa = await t.pool.query(
      "select category_key, outcome, reasons from decisions where device_id = $1 and partner_id = 'alexa' order by category_key",
      [thermostat],
    );
    expect(alexa.rows.every((d) => d.outcome === "withhold" && d.reasons.some((x: { code: string }) => x.code === "MODE_NOT_AGREED"))).toBe(true);

    expect((await deliver()).delivered).toBe(1);
    const [message] = received("google-home");
    expect(message!.status).toBe(200);
    expect(message!.schemaValid).toBe(true);
    const state = (message!.body as { payload: { devices: { states: Record<string, Record<string, unknown>> } } }).payload.devices.states[thermostat];
    // Rounded to 0.5 °C, as Google's clause 2.1 requires; the whole TemperatureSetting trait.
    expect(state).toEqual({ thermostatMode: "heat", thermostatTemperatureAmbient: 21.5, thermostatTemperatureSetpoint: 20 });
    const row = (await t.db.select().from(outbox).where(eq(outbox.partnerId, "google-home")))[0]!;
    expect(row).toMatchObject({ status: "delivered", lastStatusCode: 200 });
    expect(message!.messageId).toBe(row.messageId);
  });

  it("never sends a category without consent (lock state is on request only)", async () => {
    await ingest(report(lockDevice, { lockState: "unlocked" }));
    await deliver();
    expect(received("google-home")).toEqual([]);
    const d = await t.pool.query("select reasons from decisions where device_id = $1 and partner_id = 'google-home'", [lockDevice]);
    expect(d.rows[0].reasons.map((x: { code: string }) => x.code)).toEqual(["MODE_NOT_AGREED", "CONSENT_ON_REQUEST_ONLY"]);
  });

  it("drops stale and duplicate reports, and counts them", async () => {
    const s = ++seq;
    expect((await ingest(report(thermostat, { temperature: 22 }, { seq: s }))).stateEvents).toBe(1);
    const again = await ingest(report(thermostat, { temperature: 23 }, { seq: s }), report(thermostat, { temperature: 24 }, { seq: s - 5 }));
    expect(again).toMatchObject({ stale: 2, stateEvents: 0, outbox: 0 });
    const [shadow] = (await t.pool.query("select properties, stale_reports from device_shadow where device_id = $1", [thermostat])).rows;
    expect(shadow.properties.temperature.value).toBe(22);
    expect(Number(shadow.stale_reports)).toBeGreaterThanOrEqual(2);
  });

  it("quarantines bad reports with their reason while good ones flow on", async () => {
    const bad = [rawItem("{nope"), report(thermostat, { humidity: 140 }), report("0b9c7f4e-2f0a-4f57-9c43-1c1f5a0e0aff", { temperature: 20 })];
    const r = await ingest(...bad, report(thermostat, { temperature: 19.5 }));
    expect(r).toMatchObject({ quarantined: 3, stateEvents: 1 });
    const q = await t.db.select().from(quarantine).orderBy(quarantine.id);
    expect(q.map((x) => x.reasonCode)).toEqual(["BAD_JSON", "OUT_OF_RANGE", "UNKNOWN_DEVICE"]);
    expect(q[2]!.reason).toMatch(/no device .* is registered/);
  });

  it("quarantines reports the database could not keep as text (NUL bytes in the payload, the claimed id, the topic) without holding up the batch", async () => {
    const before = (await t.db.select().from(quarantine)).length;
    const nulPayload: IncomingReport = {
      source: "mqtt",
      topic: `proviso/v1/devices/${thermostat}/state`,
      raw: Buffer.from('{"v":1,\u0000"seq":1}'),
      ...parse(Buffer.from('{"v":1,\u0000"seq":1}')),
    };
    const nulId = JSON.stringify({
      v: 1,
      deviceId: "ab\u0000cd",
      seq: 1,
      observedAt: new Date(clock).toISOString(),
      cause: "physical",
      properties: { temperature: 20 },
    });
    const nulTopic = `proviso/v1/devices/x\u0000y/state`;
    const items: IncomingReport[] = [
      nulPayload,
      { source: "http", raw: nulId, ...parse(nulId) },
      { source: "mqtt", topic: nulTopic, raw: "{}", ...parse("{}", "x\u0000y") },
      report(thermostat, { temperature: 18.5 }),
    ];
    const r = await ingest(...items);
    expect(r).toMatchObject({ quarantined: 3, stateEvents: 1 });
    const q = (await t.db.select().from(quarantine).orderBy(quarantine.id)).slice(before);
    expect(q.map((x) => x.reasonCode)).toEqual(["BAD_JSON", "BAD_SHAPE", "BAD_SHAPE"]);
    // Kept as close to what came as text allows: each NUL shown as the escape \u0000.
    expect(q[0]!.raw).toBe('{"v":1,\\u0000"seq":1}');
    expect(q[0]!.reason).not.toContain("\u0000");
    expect(q[1]!.deviceRef).toBe("ab\\u0000cd");
    expect(q[2]!.topic).toBe("proviso/v1/devices/x\\u0000y/state");
  });

  it("re-decides at delivery: a consent revoked after queueing stops the message", async () => {
    await t.db
      .update(outbox)
      .set({ status: "delivered" })
      .where(sql`status in ('pending','retrying')`);
    await ingest(report(thermostat, { temperature: 17 }));
    expect(Number((await t.pool.query("select count(*) from outbox where status = 'pending'")).rows[0].count)).toBe(1);
    await setConsent("google-home", "user.device.sensor.temperature", "off");
    const r = await deliver();
    expect(r).toMatchObject({ claimed: 1, cancelled: 1, delivered: 0 });
    expect(received("google-home")).toEqual([]);
    const [d] = (await t.pool.query("select reasons from decisions where stage = 'delivery' order by id desc limit 1")).rows;
    expect(d.reasons.map((x: { code: string }) => x.code)).toContain("CONSENT_OFF");
    await setConsent("google-home", "user.device.sensor.temperature", "proactive");
  });

  it("answers Alexa's ReportState with only what on-request terms and consent allow, schema-valid", async () => {
    await setConsent("alexa", "user.device.sensor.temperature", "on_request");
    await setConsent("alexa", "user.device.sensor.setpoint", "off");
    const token = `sandbox-${stableId("link:0:alexa")}`;
    const answer = (await askAlexa({
      directive: {
        header: { namespace: "Alexa", name: "ReportState", messageId: "m-1", correlationToken: "corr-1", payloadVersion: "3" },
        endpoint: { scope: { type: "BearerToken", token }, endpointId: thermostat },
        payload: {},
      },
    })) as { context: { properties: { namespace: string; name: string }[] } };
    expect(createMessageChecker().alexa(answer).valid).toBe(true);
    const props = answer.context.properties.map((p) => `${p.namespace}.${p.name}`);
    expect(props).toContain("Alexa.TemperatureSensor.temperature");
    expect(props).not.toContain("Alexa.ThermostatController.targetSetpoint");
    const recorded = await t.pool.query("select category_key, outcome from decisions where stage = 'request' and partner_id = 'alexa' order by category_key");
    const outcome = (c: string) => recorded.rows.find((r) => r.category_key === `user.device.sensor.${c}`)?.outcome;
    expect(outcome("setpoint")).toBe("withhold");
    expect(["send", "transform"]).toContain(outcome("temperature"));
    // Discovery declares only what may be told, with flags that follow the terms and consent.
    const discovery = (await askAlexa({ directive: { header: { namespace: "Alexa.Discovery", name: "Discover" }, payload: { scope: { token } } } })) as {
      event: { payload: { endpoints: { endpointId: string; capabilities: unknown[] }[] } };
    };
    expect(createMessageChecker().alexa(discovery).valid).toBe(true);
    const caps = discovery.event.payload.endpoints.find((e) => e.endpointId === thermostat)!.capabilities as { interface: string; properties?: object }[];
    expect(caps.find((c) => c.interface === "Alexa.TemperatureSensor")!.properties).toMatchObject({ retrievable: true, proactivelyReported: false });
    // A token that stands for no link: refused, in Alexa's own error shape.
    const refused = await ask((a) => a.alexa, {
      directive: { header: { namespace: "Alexa.Discovery", name: "Discover" }, payload: { scope: { token: "stolen" } } },
    });
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ event: { header: { name: "ErrorResponse" }, payload: { type: "INVALID_AUTHORIZATION_CREDENTIAL" } } });
    expect(createMessageChecker().alexa(refused.body).valid).toBe(true);
  });

  it("answers Google's QUERY and SYNC in Google's format", async () => {
    const token = `sandbox-${stableId("link:0:google-home")}`;
    const query = (await askGoogle(token, {
      requestId: "q-1",
      inputs: [{ intent: "action.devices.QUERY", payload: { devices: [{ id: thermostat }, { id: lockDevice }] } }],
    })) as {
      payload: { devices: Record<string, unknown> };
    };
    expect(query.payload.devices[thermostat]).toMatchObject({ status: "SUCCESS", thermostatMode: "heat" });
    expect(query.payload.devices[lockDevice]).toMatchObject({ status: "SUCCESS", isLocked: false });
    const sync = (await askGoogle(token, { requestId: "s-1", inputs: [{ intent: "action.devices.SYNC" }] })) as {
      payload: { devices: { id: string }[] };
    };
    const lock = sync.payload.devices.find((d) => d.id === lockDevice)!;
    expect(lock).toMatchObject({ willReportState: false, traits: ["action.devices.traits.LockUnlock"] });
    // Another platform's link's token, or one for no link, answers nothing.
    for (const other of [`sandbox-${stableId("link:0:alexa")}`, `sandbox-${stableId("link:no-such")}`, "sandbox-", ""]) {
      const refused = await ask((a) => a.google, { requestId: "s-2", inputs: [{ intent: "action.devices.SYNC" }] }, other);
      expect(refused).toEqual({ status: 401, body: { requestId: "s-2", payload: { errorCode: "authFailure", debugString: expect.any(String) } } });
    }
  });

  it("answers connectivity on request only where terms and consent allow it, and the ledger says which", async () => {
    const CONNECTIVITY = "user.device.telemetry.connectivity";
    await t.pool.query("update device_shadow set reachable = false where device_id = $1", [thermostat]);
    try {
      const googleToken = `sandbox-${stableId("link:0:google-home")}`;
      const query = async () =>
        (
          (await askGoogle(googleToken, { requestId: "q-c", inputs: [{ intent: "action.devices.QUERY", payload: { devices: [{ id: thermostat }] } }] })) as {
            payload: { devices: Record<string, { online: boolean }> };
          }
        ).payload.devices[thermostat]!;
      const lastDecision = async (partner: string) =>
        (
          await t.pool.query(
            "select outcome, reasons from decisions where stage = 'request' and partner_id = $1 and device_id = $2 and category_key = $3 order by id desc limit 1",
            [partner, thermostat, CONNECTIVITY],
          )
        ).rows[0];
      // Google's terms share connectivity on request; the homeowner has not (yet) said yes.
      await setConsent("google-home", CONNECTIVITY, "off");
      expect((await query()).online).toBe(true); // Google's schema wants `online`: always true, it tells nothing
      expect(await lastDecision("google-home")).toMatchObject({ outcome: "withhold" });
      await setConsent("google-home", CONNECTIVITY, "on_request");
      expect((await query()).online).toBe(false);
      expect(await lastDecision("google-home")).toMatchObject({ outcome: "send" });
      // Alexa's agreement does not cover connectivity at all: no EndpointHealth in its answer.
      const alexaToken = `sandbox-${stableId("link:0:alexa")}`;
      const report = (await askAlexa({
        directive: {
          header: { namespace: "Alexa", name: "ReportState", correlationToken: "c" },
          endpoint: { endpointId: thermostat, scope: { token: alexaToken } },
        },
      })) as { context: { properties: { namespace: string }[] } };
      expect(report.context.properties.map((p) => p.namespace)).not.toContain("Alexa.EndpointHealth");
      expect(await lastDecision("alexa")).toMatchObject({
        outcome: "withhold",
        reasons: expect.arrayContaining([expect.objectContaining({ code: "CATEGORY_NOT_COVERED" })]),
      });
    } finally {
      await t.pool.query("update device_shadow set reachable = true where device_id = $1", [thermostat]);
      await setConsent("google-home", CONNECTIVITY, "off");
    }
  });

  it("marks a silent device unreachable, and reachable again when it reports", async () => {
    await t.pool.query("update device_shadow set last_report_at = $2 where device_id = $1", [lockDevice, new Date(clock - 10 * 60_000)]);
    await t.pool.query("update devices set last_seen_at = $2 where id = $1", [lockDevice, new Date(clock - 10 * 60_000)]);
    const r = await detectConnectivity(t.db, { world: cache.current(), adapters: adapters(), now: new Date(clock), silentMs: 120_000, shadows });
    expect(r?.stateEvents).toBeGreaterThanOrEqual(1);
    const shadow = async () => (await t.pool.query("select reachable, properties from device_shadow where device_id = $1", [lockDevice])).rows[0];
    expect(await shadow()).toMatchObject({ reachable: false, properties: { connectivity: { value: "unreachable" } } });
    const decided = await t.pool.query(
      "select partner_id, outcome from decisions where device_id = $1 and category_key = 'user.device.telemetry.connectivity'",
      [lockDevice],
    );
    expect(decided.rows.length).toBeGreaterThan(0);
    expect(await detectConnectivity(t.db, { world: cache.current(), adapters: adapters(), now: new Date(clock), silentMs: 120_000, shadows })).toBeNull(); // said once
    // A report observed before the device was marked unreachable, arriving late, does not bring it back.
    const late = await ingest(report(lockDevice, { lockState: "unlocked" }, { at: clock - 5 * 60_000, seq: 1 }));
    expect(late.stale).toBe(1);
    expect(await shadow()).toMatchObject({ reachable: false, properties: { connectivity: { value: "unreachable" } } });
    await ingest(report(lockDevice, { lockState: "locked" }));
    expect(await shadow()).toMatchObject({ reachable: true, properties: { connectivity: { value: "ok" } } });
  });

  it("keeps what was last sent in the shadow row, so another replica (or a restarted worker) holds a minimum interval", async () => {
    await ingest(report(thermostat, { temperature: 23.26 }));
    const sentAt = clock;
    const stored = async () => (await t.pool.query("select sent, revision from device_shadow where device_id = $1", [thermostat])).rows[0];
    expect((await stored()).sent["google-home user.device.sensor.temperature"]).toEqual([sentAt, { temperature: 23.5 }]);
    // This worker wrote the row last: its next batch takes the shadow from its copy, not the database.
    const hits = shadows.hits;
    await ingest(report(thermostat, { humidity: 41 }));
    expect(shadows.hits).toBe(hits + 1);

    // A second replica, with nothing in memory, still withholds within Google's 60 s.
    const other = new ShadowCache();
    const lastDecision = async () =>
      (
        await t.pool.query(
          "select reasons from decisions where device_id = $1 and partner_id = 'google-home' and category_key = 'user.device.sensor.temperature' order by id desc limit 1",
          [thermostat],
        )
      ).rows[0];
    const r = await ingestWith([report(thermostat, { temperature: 24.1 }, { at: sentAt + 30_000 })], other);
    expect(other.misses).toBe(1);
    expect(r.decisions.withhold).toBeGreaterThan(0);
    expect((await lastDecision()).reasons.map((x: { code: string }) => x.code)).toEqual(["MIN_INTERVAL"]);
    // The first worker's copy is out of date now (the row's revision moved on): its batch, written
    // from the copy, fails the revision check, and is done again from the row as the other left it.
    const misses = shadows.misses;
    const conflicts = shadows.conflicts;
    const events = async () => Number((await t.pool.query("select count(*) from state_events where device_id = $1", [thermostat])).rows[0].count);
    const eventsBefore = await events();
    await ingest(report(thermostat, { temperature: 24.6 }, { at: sentAt + 45_000 }));
    expect(shadows.conflicts).toBe(conflicts + 1);
    expect(shadows.misses).toBe(misses + 1);
    expect(await events()).toBe(eventsBefore + 1); // the rolled-back attempt left nothing
    expect((await lastDecision()).reasons.map((x: { code: string }) => x.code)).toEqual(["MIN_INTERVAL"]);
    // Past the interval, whichever replica handles it sends, and the row says so.
    await ingestWith([report(thermostat, { temperature: 25.1 }, { at: sentAt + 61_000 })], other);
    expect((await stored()).sent["google-home user.device.sensor.temperature"]).toEqual([sentAt + 61_000, { temperature: 25 }]);
    await deliver(); // leaves nothing queued for the tests after it
  });

  it("replicas writing the same devices at once: every report counts once and each shadow ends at its newest report", async () => {
    const devices = [...cache.current().devices.values()].filter((d) => d.kind === "thermostat").map((d) => d.deviceId);
    const replicas = [new ShadowCache(), new ShadowCache()];
    const first = 50_000;
    // Round r: each replica reports every device, replica 1 one seq above replica 0; a humidity of
    // its own for each seq (none any earlier test left), so every report that is not stale is a change.
    const humidity = (s: number) => 70 + (s - first);
    const batch = (round: number, replica: number) =>
      devices.map((deviceId) => {
        const s = first + round * 2 + replica;
        return rawItem(
          JSON.stringify({ v: 1, deviceId, seq: s, observedAt: new Date(clock).toISOString(), cause: "physical", properties: { humidity: humidity(s) } }),
        );
      });
    const version = async () =>
      Number((await t.pool.query("select coalesce(sum(version), 0) as v from device_shadow where device_id = any($1::uuid[])", [devices])).rows[0].v);
    const versionBefore = await version();
    let accepted = 0,
      stale = 0,
      stateEvents = 0;
    const rounds = 6;
    for (let round = 0; round < rounds; round++) {
      clock += 1_000;
      const results = await Promise.all(replicas.map((r, i) => ingestWith(batch(round, i), r)));
      for (const r of results) {
        accepted += r.accepted;
        stale += r.stale;
        stateEvents += r.stateEvents;
      }
    }
    // Each replica's copies went stale whenever the other wrote after it: some batches were redone.
    expect(replicas[0]!.conflicts + replicas[1]!.conflicts).toBeGreaterThan(0);
    expect(accepted + stale).toBe(rounds * 2 * devices.length);
    expect(stateEvents).toBe(accepted);
    const stored = await t.pool.query("select count(*) from state_events where device_id = any($1::uuid[]) and seq >= $2", [devices, first]);
    expect(Number(stored.rows[0].count)).toBe(accepted);
    expect((await version()) - versionBefore).toBe(accepted);
    const last = first + (rounds - 1) * 2 + 1;
    const shadowsNow = await t.pool.query("select properties -> 'humidity' as h from device_shadow where device_id = any($1::uuid[])", [devices]);
    expect(shadowsNow.rows).toHaveLength(devices.length);
    for (const row of shadowsNow.rows) expect(row.h).toMatchObject({ seq: last, value: humidity(last) });
    await deliver(); // leaves nothing queued for the tests after it
  });

  it("a batch that fails leaves no copy of its shadows behind: the report is taken afresh, not counted stale", async () => {
    await t.pool.query(`create function refuse_outbox() returns trigger language plpgsql as $$ begin raise exception 'outbox refused for the test'; end $$`);
    await t.pool.query("create trigger refuse_outbox before insert on outbox for each statement execute function refuse_outbox()");
    const item = report(thermostat, { temperature: 26.26 });
    try {
      await expect(ingest(item)).rejects.toMatchObject({ cause: { message: expect.stringMatching(/outbox refused/) } });
    } finally {
      await t.pool.query("drop trigger refuse_outbox on outbox; drop function refuse_outbox()");
    }
    expect(shadows.revisionOf(thermostat)).toBeUndefined();
    // The failed batch had moved the copy on to this report's seq; had the copy stayed, the retry would be stale.
    expect(await ingest(item)).toMatchObject({ accepted: 1, stale: 0, stateEvents: 1 });
    await deliver();
  });

  it("a batch the database ends to break a deadlock goes again at once, whichever way it took its shadows, and counts once", async () => {
    // The next state-event insert after each restart of the sequence is ended as a deadlock victim
    // would be (a sequence, not a table, counts it: the victim's transaction rolls back).
    await t.pool.query("create sequence deadlock_once");
    await t.pool.query(`create function deadlock_once() returns trigger language plpgsql as $$
      begin
        if nextval('deadlock_once') = 1 then
          raise exception 'deadlock detected (for the test)' using errcode = '40P01';
        end if;
        return null;
      end $$`);
    await t.pool.query("create trigger deadlock_once after insert on state_events for each statement execute function deadlock_once()");
    const ended = async () => Number((await t.pool.query("select last_value from deadlock_once")).rows[0].last_value);
    try {
      for (const temperature of [26.5, 26.75]) {
        // A copy of the shadow held (the earlier batch's), written back unlocked: done again the locking way.
        await t.pool.query("alter sequence deadlock_once restart");
        const before = shadows.conflicts;
        expect(await ingest(report(thermostat, { temperature }))).toMatchObject({ accepted: 1, stale: 0, stateEvents: 1 });
        expect(shadows.conflicts - before).toBe(1);
        expect(await ended()).toBe(2); // ended once, then through
      }
      // Ended on the locking way too (no copy held): once more, at once.
      shadows.take(thermostat, "");
      await t.pool.query("alter sequence deadlock_once restart");
      expect(await ingest(report(thermostat, { temperature: 27 }))).toMatchObject({ accepted: 1, stale: 0, stateEvents: 1 });
      expect(await ended()).toBe(2);
    } finally {
      await t.pool.query("drop trigger deadlock_once on state_events; drop function deadlock_once(); drop sequence deadlock_once");
    }
    await deliver();
  });

  it("handles Alexa's AcceptGrant: exchanges the code and keeps the tokens encrypted", async () => {
    const grant = (code: string) =>
      askAlexa({
        directive: {
          header: { namespace: "Alexa.Authorization", name: "AcceptGrant", messageId: "g-1", payloadVersion: "3" },
          payload: { grant: { type: "OAuth2.AuthorizationCode", code }, grantee: { type: "BearerToken", token: `sandbox-${stableId("link:0:alexa")}` } },
        },
      });
    // Nothing secret reaches the logs or the audit chain: only that a grant was accepted.
    const logged: string[] = [];
    const spies = (["log", "info", "warn", "error"] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(" "))),
    );
    const ok = (await grant("code-123")) as { event: { header: { name: string } } };
    for (const spy of spies) spy.mockRestore();
    expect(ok.event.header.name).toBe("AcceptGrant.Response");
    expect(createMessageChecker().alexa(ok).valid).toBe(true);
    const [link] = await t.db
      .select()
      .from(partnerLinks)
      .where(eq(partnerLinks.id, stableId("link:0:alexa")));
    expect(link!.accessTokenEnc).toMatch(/^v1:/);
    expect(link!.accessTokenEnc).not.toContain("Atza");
    const accessToken = cipher.decrypt(link!.accessTokenEnc!);
    expect(accessToken).toMatch(/^Atza\|/);
    const refreshToken = cipher.decrypt(link!.refreshTokenEnc!);
    const entries = (await t.pool.query("select action, details::text as details from audit_log where entity_id = $1", [stableId("link:0:alexa")])).rows as {
      action: string;
      details: string;
    }[];
    expect(entries.map((e) => e.action)).toContain("link.grant_accepted");
    for (const secret of [accessToken, refreshToken, "code-123"]) {
      expect(entries.some((e) => e.details.includes(secret))).toBe(false);
      expect(logged.some((line) => line.includes(secret))).toBe(false);
    }
    const failed = (await grant("invalid")) as { event: { header: { name: string }; payload: { type: string } } };
    expect(failed.event).toMatchObject({ header: { name: "ErrorResponse" }, payload: { type: "ACCEPT_GRANT_FAILED" } });
  });

  it("refreshes an expired token once on 401 (Login with Amazon) and delivers with the new one", async () => {
    const alexaLink = stableId("link:0:alexa");
    const issued = await fetch(`${base}/alexa/auth/o2/token`, { method: "POST", body: "grant_type=authorization_code&code=c" });
    const tokens = (await issued.json()) as { access_token: string; refresh_token: string };
    await t.db
      .update(partnerLinks)
      .set({ accessTokenEnc: cipher.encrypt(tokens.access_token), refreshTokenEnc: cipher.encrypt(tokens.refresh_token) })
      .where(eq(partnerLinks.id, alexaLink));
    await cache.check(true);
    await fetch(`${base}/__sandbox/tokens/expire`, { method: "POST", body: JSON.stringify({ token: tokens.access_token }) });
    // A discovery update for a link never told anything: Alexa is to hear of every endpoint.
    await t.pool.query("delete from link_discovery where link_id = $1", [alexaLink]);
    expect(await queueDiscoveryUpdates(t.db, [{ link: cache.current().linkById.get(alexaLink)!, diff: { upserts: [], deletes: [] } }], new Date(clock))).toBe(
      1,
    );
    const r = await deliver();
    expect(r.delivered).toBe(1);
    const got = received("alexa");
    expect(got.map((m) => m.status)).toEqual([401, 202]);
    expect(got[0]!.authorization).toBe(`Bearer ${tokens.access_token}`);
    expect(got[1]!.authorization).not.toBe(`Bearer ${tokens.access_token}`);
    const [link] = await t.db.select().from(partnerLinks).where(eq(partnerLinks.id, alexaLink));
    expect(cipher.decrypt(link!.accessTokenEnc!)).toBe(got[1]!.authorization!.replace("Bearer ", ""));
    expect(cipher.decrypt(link!.refreshTokenEnc!)).not.toBe(tokens.refresh_token);
    await cache.check();
  });

  it("fresh() answers with a snapshot at least as new as every change committed before the call, even with a check in flight", async () => {
    const worlds = new WorldCache(t.db, 60_000, undefined, cipher);
    await worlds.start();
    let version = 1_000;
    // A consent change, committed in one quick statement (its trigger moves the policy counter).
    const change = async () => {
      await t.pool.query(
        "insert into consents (home_id, partner_id, category_key, mode, version) values ($1, 'google-home', 'user.device.telemetry.energy_usage', 'off', $2)",
        [home0, ++version],
      );
      return readPolicyVersion(t.db);
    };
    try {
      for (let i = 0; i < 10; i++) {
        await change();
        // A batch asks first: its check reads the counter and starts reloading...
        const early = worlds.fresh(0);
        await new Promise((r) => setTimeout(r, 3));
        // ...then a revocation commits, and the next batch asks while that check is still running.
        const committed = await change();
        expect((await worlds.fresh(0)).policyVersion).toBeGreaterThanOrEqual(committed);
        await early;
        await change();
        const next = await readPolicyVersion(t.db);
        await new Promise((r) => setTimeout(r, 60)); // past the 50 ms a decision may lag by default
        expect((await worlds.fresh()).policyVersion).toBeGreaterThanOrEqual(next);
      }
    } finally {
      worlds.stop();
    }
  });

  it("isolates a report the database refuses for good: it is quarantined with the database's words, the rest of its batch commits", async () => {
    // A constraint the pipeline does not know about stands in for any refusal that lies in the data.
    await t.pool.query(`create function refuse_seq() returns trigger language plpgsql as $$
      begin if new.seq = 424242 then raise exception 'seq % is refused here', new.seq using errcode = '23514'; end if; return new; end $$`);
    await t.pool.query("create trigger refuse_seq before insert on state_events for each row execute function refuse_seq()");
    try {
      const errors: string[] = [];
      const buffer = new IngestBuffer({ db: t.db, adapters: adapters(), world: () => cache.current(), maxWaitMs: 5, onError: (e) => errors.push(e.message) });
      const lastEvent = Number((await t.pool.query("select coalesce(max(id), 0) as id from state_events")).rows[0].id);
      const raw = (deviceId: string, seq: number, properties: object) =>
        JSON.stringify({ v: 1, deviceId, seq, observedAt: new Date().toISOString(), cause: "app", properties });
      const base = Date.now() * 1000;
      const raws = [
        raw(thermostat, base + 1, { humidity: 61.5 }),
        raw(thermostat, base + 2, { humidity: 62.5 }),
        raw(lockDevice, 424242, { lockState: "jammed" }),
        raw(thermostat, base + 3, { humidity: 63.5 }),
        raw(stableId("device:1:0"), base + 4, { temperature: 20.5 }),
      ];
      const results = await Promise.all(raws.map((r) => buffer.submit(r, "http")));
      expect(results.map((r) => (r.rejection ? r.rejection.code : "accepted"))).toEqual(["accepted", "accepted", "UNSTORABLE", "accepted", "accepted"]);
      expect(results[2]!.rejection!.reason).toBe("the database refused it: seq 424242 is refused here");
      const stored = await t.pool.query("select seq::float8 as seq from state_events where id > $1 order by seq", [lastEvent]);
      expect(stored.rows.map((r) => r.seq)).toEqual([base + 1, base + 2, base + 3, base + 4]);
      const q = await t.pool.query("select reason_code, device_ref, raw from quarantine where reason_code = 'UNSTORABLE'");
      expect(q.rows).toEqual([{ reason_code: "UNSTORABLE", device_ref: lockDevice, raw: raws[2] }]);
      // Not a retry: nothing was reported as a batch to try again.
      expect(errors).toEqual([]);
    } finally {
      await t.pool.query("drop trigger refuse_seq on state_events; drop function refuse_seq()");
    }
  });

  it("retries a batch the database could not take for a passing reason, whole, and acknowledges it only once committed", async () => {
    // Refused once as a serialization failure (40001: not the data's fault), then taken.
    await t.pool.query("create table refuse_once (x int)");
    await t.pool.query("insert into refuse_once values (1)");
    await t.pool.query(`create function refuse_once() returns trigger language plpgsql as $$
      begin if exists (select 1 from refuse_once) then raise exception 'try again' using errcode = '40001'; end if; return new; end $$`);
    await t.pool.query("create trigger refuse_once before insert on state_events for each row execute function refuse_once()");
    try {
      const errors: string[] = [];
      const buffer = new IngestBuffer({
        db: t.db,
        adapters: adapters(),
        world: () => cache.current(),
        maxWaitMs: 5,
        onError: (e) => {
          errors.push(messageOf(e));
          void t.pool.query("delete from refuse_once");
        },
      });
      const before = Number((await t.pool.query("select count(*) from state_events")).rows[0].count);
      const quarantinedBefore = Number((await t.pool.query("select count(*) from quarantine")).rows[0].count);
      const base = Date.now() * 1000;
      const raws = [1, 2, 3].map((n) =>
        JSON.stringify({ v: 1, deviceId: thermostat, seq: base + n, observedAt: new Date().toISOString(), cause: "app", properties: { humidity: 50 + n } }),
      );
      const results = await Promise.all(raws.map((r) => buffer.submit(r, "http")));
      expect(results.map((r) => r.rejection?.code ?? "accepted")).toEqual(["accepted", "accepted", "accepted"]);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/try again/);
      expect(Number((await t.pool.query("select count(*) from state_events")).rows[0].count)).toBe(before + 3);
      expect(Number((await t.pool.query("select count(*) from quarantine")).rows[0].count)).toBe(quarantinedBefore);
    } finally {
      await t.pool.query("drop trigger refuse_once on state_events; drop function refuse_once(); drop table refuse_once");
    }
  });

  it("answers each submitted report once its batch is committed, accepted or quarantined", async () => {
    const batches: number[] = [];
    const buffer = new IngestBuffer({
      db: t.db,
      adapters: adapters(),
      world: () => cache.current(),
      lanes: 2,
      maxWaitMs: 5,
      onBatch: (_r, size) => batches.push(size),
    });
    const before = Number((await t.pool.query("select count(*) from state_events")).rows[0].count);
    const good = (n: number) =>
      JSON.stringify({
        v: 1,
        deviceId: thermostat,
        seq: Date.now() * 1000 + n,
        observedAt: new Date().toISOString(),
        cause: "app",
        properties: { humidity: 30 + n },
      });
    const unknown = JSON.stringify({
      v: 1,
      deviceId: "0b9c7f4e-2f0a-4f57-9c43-1c1f5a0e0aff",
      seq: 1,
      observedAt: new Date().toISOString(),
      cause: "app",
      properties: { humidity: 30 },
    });
    const results = await Promise.all([
      buffer.submit(good(1), "http"),
      buffer.submit("{oops", "http"),
      buffer.submit(good(2), "http"),
      buffer.submit(unknown, "http"),
    ]);
    expect(results.map((r) => (r.rejection ? r.rejection.code : "accepted"))).toEqual(["accepted", "BAD_JSON", "accepted", "UNKNOWN_DEVICE"]);
    // Resolved means committed: the rows are there.
    expect(Number((await t.pool.query("select count(*) from state_events")).rows[0].count)).toBe(before + 2);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(4);
    await buffer.stop();
  });

  it("keeps each device in one lane: its reports commit in the order they came, none overtaken and counted stale", async () => {
    const results: { accepted: number; stale: number }[] = [];
    const buffer = new IngestBuffer({
      db: t.db,
      adapters: adapters(),
      world: () => cache.current(),
      lanes: 3,
      maxBatch: 4,
      maxWaitMs: 1,
      onBatch: (r) => results.push(r),
    });
    const base = Date.now() * 1000;
    const sent = Array.from({ length: 40 }, (_, n) =>
      buffer.submit(
        JSON.stringify({
          v: 1,
          deviceId: thermostat,
          seq: base + n,
          observedAt: new Date().toISOString(),
          cause: "app",
          properties: { humidity: 20 + (n % 30) },
        }),
        "http",
      ),
    );
    await Promise.all(sent);
    await buffer.stop();
    expect(results.reduce((a, r) => a + r.accepted, 0)).toBe(40);
    expect(results.reduce((a, r) => a + r.stale, 0)).toBe(0);
    expect([0, 1, 2].map((lane) => laneOf(thermostat, 3) === lane).filter(Boolean)).toHaveLength(1);
  });

  it("leases what it claims: held until the lease runs out, then claimed again as the same message; an attempt's end gives the lease up", async () => {
    await ingest(report(thermostat, { temperature: 17.5, heatingSetpoint: 19, hvacMode: "heat" }));
    const first = await claimDue(t.db, clock, 50, 30_000);
    expect(first).toHaveLength(1);
    expect(await claimDue(t.db, clock + 1_000, 50, 30_000)).toEqual([]); // held by the first claim
    // The worker that claimed it died. Once its lease runs out, the message goes again (as the same
    // message); this attempt fails, which gives the lease up: the retry is due at its own time.
    await fetch(`${base}/__sandbox/faults/google-home`, { method: "POST", body: JSON.stringify({ status: 503 }) });
    clock += 30_000;
    expect((await deliver()).retried).toBe(1);
    const [row] = await t.db.select().from(outbox).where(eq(outbox.id, first[0]!.id));
    expect(row).toMatchObject({ status: "retrying", leasedUntil: null, attempts: 2 });
    await fetch(`${base}/__sandbox/faults/google-home`, { method: "DELETE" });
    clock = row!.nextAttemptAt.getTime();
    expect((await deliver()).delivered).toBe(1);
    const [done] = await t.db.select().from(outbox).where(eq(outbox.id, first[0]!.id));
    expect(done).toMatchObject({ status: "delivered", leasedUntil: null, attempts: 3 });
    expect(new Set(received("google-home").map((m) => m.messageId))).toEqual(new Set([first[0]!.messageId]));
  });

  it("fails only its own attempt when a message cannot be handled: the rest of the batch is delivered, it is retried, then dead-lettered", async () => {
    expect(await ingest(report(thermostat, { temperature: 16.25 }))).toMatchObject({ outbox: 1 });
    const [good] = await t.db.select().from(outbox).where(eq(outbox.status, "pending"));
    // A row no adapter can read (written by hand: the pipeline never writes one like it).
    const [bad] = await t.db
      .insert(outbox)
      .values({ ...good!, id: undefined, messageId: crypto.randomUUID(), payload: { deviceId: thermostat, changed: null } as never })
      .returning();
    const first = await deliver();
    expect(first).toMatchObject({ claimed: 2, delivered: 1, retried: 1 });
    const [row] = await t.db.select().from(outbox).where(eq(outbox.id, bad!.id));
    expect(row).toMatchObject({ status: "retrying", attempts: 1, lastStatusCode: null });
    expect(row!.lastError).toMatch(/^could not be sent: /);
    clock += 3_600_000;
    await deliver();
    clock += 3_600_000;
    expect((await deliver()).dead).toBe(1);
    const [dead] = await t.db.select().from(outbox).where(eq(outbox.id, bad!.id));
    expect(dead).toMatchObject({ status: "dead", attempts: 3 });
  });

  it("delivers a message queued while a round is under way in the next round, without waiting for another kick", async () => {
    const newest = async () => (await t.db.select().from(outbox).orderBy(desc(outbox.id)).limit(1))[0]!;
    expect(await ingest(report(thermostat, { temperature: 19, heatingSetpoint: 19, hvacMode: "heat" }))).toMatchObject({ outbox: 1 });
    const first = await newest();
    // The first round's sends are held until the second message is queued (and the loop kicked).
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let sent = 0;
    const loop = new DeliveryLoop({
      ...deliveryDeps(),
      batchSize: 50,
      post: async (...args) => {
        sent++;
        await held;
        return httpPost(...args);
      },
    });
    const resting = loop.kick();
    await vi.waitFor(() => expect(sent).toBeGreaterThan(0));
    expect(await ingest(report(thermostat, { temperature: 19.5 }))).toMatchObject({ outbox: 1 });
    const second = await newest();
    expect(loop.kick()).toBe(resting);
    release();
    await resting;
    expect(loop.rounds).toBe(2);
    const rows = await t.db
      .select()
      .from(outbox)
      .where(inArray(outbox.id, [first.id, second.id]));
    expect(rows.map((r) => [r.status, r.lastError])).toEqual([
      ["delivered", null],
      ["delivered", null],
    ]);
    const ids = received("google-home").map((m) => m.messageId);
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
    await fetch(`${base}/__sandbox/faults/google-home`, { method: "POST", body: JSON.stringify({ status: 429, retryAfterSeconds: 30 }) });
    await ingest(report(thermostat, { temperature: 18 }));
    expect((await deliver()).retried).toBe(1);
    const [row] = await t.db.select().from(outbox).where(eq(outbox.status, "retrying"));
    expect(row!.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(clock + 30_000);
    await fetch(`${base}/__sandbox/faults/google-home`, { method: "POST", body: JSON.stringify({ status: 503 }) });
    clock += 31_000;
    expect((await deliver()).retried).toBe(1);
    clock += 120_000;
    expect((await deliver()).dead).toBe(1);
    const ids = new Set(received("google-home").map((m) => m.messageId));
    expect(ids.size).toBe(1); // every attempt was recognisably the same message
    const [dead] = await t.db.select().from(outbox).where(eq(outbox.id, row!.id));
    expect(dead).toMatchObject({ status: "dead", attempts: 3, lastStatusCode: 503 });
  });

  it("delivers a webhook partner a signed message its receiver verifies and its schema accepts; one it cannot verify is refused, then dead-lettered", async () => {
    // The Berg home links a webhook partner whose agreement follows temperature as it changes.
    const linkId = await addPartner(t, {
      id: "acme-hooks",
      adapter: "webhook",
      homeId: home0,
      categories: ["user.device.sensor.temperature"],
      since: new Date(NOW.getTime() - 86_400_000),
    });
    await setConsent("acme-hooks", "user.device.sensor.temperature", "proactive");
    await ingest(report(thermostat, { temperature: 21.4 }));
    await deliver();
    const [signed] = received("acme-hooks");
    expect(signed).toMatchObject({ endpoint: "/webhook/acme-hooks", status: 200, schemaValid: true, schemaErrors: [] });
    expect(signed!.body).toMatchObject({ partner: "acme-hooks", homeId: home0, deviceId: thermostat, cause: "physical", properties: { temperature: 21.4 } });
    const [row] = await t.db.select().from(outbox).where(eq(outbox.linkId, linkId));
    expect(row).toMatchObject({ status: "delivered", messageId: signed!.messageId });

    // A worker signing with a secret the receiver does not share: refused, signed afresh once, refused again.
    await ingest(report(thermostat, { temperature: 23.2 }));
    const r = await deliverDue({ ...deliveryDeps(), adapters: sandboxAdapters(base, { WEBHOOK_SECRET: "not-the-shared-secret-at-all" }) });
    expect(r.dead).toBe(1);
    const refused = received("acme-hooks").slice(1);
    expect(refused.map((m) => m.status)).toEqual([401, 401]);
    for (const m of refused) expect(m.schemaErrors).toEqual(["signature: x-proviso-signature does not match the body and timestamp"]);
    const [dead] = await t.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.linkId, linkId), eq(outbox.status, "dead")));
    expect(dead).toMatchObject({ lastStatusCode: 401, attempts: 1 });
    await t.pool.query("update partner_links set status = 'revoked', ended_at = $2 where id = $1", [linkId, NOW]);
    await cache.check();
  });

  it("stops for good on 403: the link is revoked and queued messages are cancelled", async () => {
    await fetch(`${base}/__sandbox/faults/google-home`, { method: "POST", body: JSON.stringify({ status: 403 }) });
    await ingest(report(thermostat, { temperature: 16 }));
    await ingest(report(thermostat, { temperature: 15.5 }));
    const r = await deliver();
    expect(r.revoked).toBeGreaterThanOrEqual(1);
    expect(r.revoked + r.cancelled).toBe(2);
    const [link] = await t.db
      .select()
      .from(partnerLinks)
      .where(eq(partnerLinks.id, stableId("link:0:google-home")));
    expect(link!.status).toBe("revoked");
    expect(Number((await t.pool.query("select count(*) from outbox where status in ('pending','retrying')")).rows[0].count)).toBe(0);
    await cache.check();
    expect(
      cache
        .current()
        .linksByHome.get(home0)!
        .map((l) => l.partnerId),
    ).toEqual(["alexa"]);
  });
});
