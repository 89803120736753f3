// The worker's HTTP port against a real database: batches of state reports answered once committed,
// heartbeats from devices that speak HTTP, and bad requests told what is wrong (with a 413 the
// client actually receives, not a reset connection).
import { MAX_HEARTBEATS_PER_REQUEST, MAX_REPORT_BYTES, MAX_REPORTS_PER_REQUEST } from "@proviso/domain";
import { createTestDatabase, type TestDatabase } from "@proviso/db/testing";
import { IngestBuffer } from "../ingest/buffer";
import { WorldCache } from "@proviso/snapshot";
import { seed } from "@proviso/seed";
import type { AddressInfo } from "node:net";
import type http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMetrics } from "../metrics";
import { sandboxAdapters } from "../testing/support";
import { MAX_BODY } from "./body";
import { createWorkerHttp } from "./server";
import { issueDeviceCredential, issueIngestClient, revokeDeviceCredentials, rotateDeviceCredential } from "@proviso/core";

const NOW = new Date();
let t: TestDatabase;
let worlds: WorldCache;
let ingest: IngestBuffer;
let server: http.Server;
let base: string;
let deviceIds: string[];
/** The maker's cloud: may speak for every device. */
let cloud: string;
const metrics = createMetrics();
let seq = Date.now() * 1000;

/** The worker's answers, as the tests read them. */
interface Answer {
  error?: string;
  accepted?: number;
  rejected?: number;
  results: Record<string, unknown>[];
}
const json = async (res: Response) => (await res.json()) as Answer;
const post = (path: string, body: unknown, token: string | null = cloud) =>
  fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
const report = (deviceId: string, properties: Record<string, unknown>) => ({
  v: 1,
  deviceId,
  seq: ++seq,
  observedAt: new Date().toISOString(),
  cause: "app",
  properties,
});

beforeAll(async () => {
  t = await createTestDatabase();
  await seed(t.db, { now: NOW, homes: 3 });
  deviceIds = (await t.pool.query("select id from devices order by serial")).rows.map((r) => r.id as string);
  cloud = (await issueIngestClient(t.db, { name: "Maker cloud", homeIds: null })).token;
  worlds = new WorldCache(t.db, 60_000);
  await worlds.start();
  const adapters = sandboxAdapters("http://127.0.0.1:9");
  ingest = new IngestBuffer({ db: t.db, adapters, world: () => worlds.current(), maxWaitMs: 5 });
  server = createWorkerHttp({ db: t, mqttConnected: () => true, metrics, ingest, partners: { world: () => worlds.current(), adapters, cipher: null } });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await ingest?.stop();
  worlds?.stop();
  await t?.drop();
});

describe("POST /v1/state-reports", () => {
  it("answers a batch once it is committed: each report accepted or rejected with its reason", async () => {
    const good = report(deviceIds[0]!, { temperature: 21.5 });
    const res = await post("/v1/state-reports", [good, report(deviceIds[1]!, { humidity: 140 }), { v: 1 }]);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ accepted: 1, rejected: 2 });
    expect(body.results[1]).toMatchObject({ index: 1, status: "rejected", code: "OUT_OF_RANGE", reason: expect.stringMatching(/humidity/) });
    expect(body.results[2]).toMatchObject({ status: "rejected", code: "BAD_SHAPE" });
    // Committed before the answer: the accepted one is in the shadow, the others in quarantine.
    const shadow = await t.pool.query("select 1 from state_events where device_id = $1 and seq = $2", [good.deviceId, good.seq]);
    expect(shadow.rowCount).toBe(1);
    const q = await t.pool.query("select reason_code from quarantine where source = 'http' order by id");
    expect(q.rows.map((r) => r.reason_code)).toEqual(["OUT_OF_RANGE", "BAD_SHAPE"]);
  });

  it("takes a full batch of reports however generously the client spaces its JSON", async () => {
    // Each report padded with whitespace to just under the per-report size limit: the body limit
    // leaves room for a full batch of those.
    const one = JSON.stringify(report(deviceIds[2]!, { temperature: 20 }));
    const padded = one.replace("{", "{" + " ".repeat(MAX_REPORT_BYTES - one.length - 1));
    expect(Buffer.byteLength(padded)).toBe(MAX_REPORT_BYTES - 1);
    const batch = `[${Array.from({ length: MAX_REPORTS_PER_REQUEST }, (_, i) => padded.replace(/"seq":\d+/, `"seq":${seq + i + 1}`)).join(",")}]`;
    seq += MAX_REPORTS_PER_REQUEST;
    expect(batch.length).toBeGreaterThan(4_000_000);
    expect(batch.length).toBeLessThanOrEqual(MAX_BODY);
    const res = await post("/v1/state-reports", batch);
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ rejected: 0 });
  });

  it("refuses what it cannot take with a clear reason, and loses nothing already accepted", async () => {
    const before = (await t.pool.query("select count(*)::int as n from state_events")).rows[0].n;
    const notJson = await post("/v1/state-reports", "{nope");
    expect(notJson.status).toBe(400);
    expect(await json(notJson)).toEqual({ error: "body is not JSON" });

    const notArray = await post("/v1/state-reports", { hello: 1 });
    expect(notArray.status).toBe(400);
    expect((await json(notArray)).error).toMatch(/array of reports/);

    const tooMany = await post(
      "/v1/state-reports",
      Array.from({ length: MAX_REPORTS_PER_REQUEST + 1 }, () => report(deviceIds[0]!, { temperature: 20 })),
    );
    expect(tooMany.status).toBe(413);
    expect((await json(tooMany)).error).toBe(`at most ${MAX_REPORTS_PER_REQUEST} reports per request (this one has ${MAX_REPORTS_PER_REQUEST + 1})`);

    // Over the body limit: the client reads the 413 and its reason.
    const huge = await post("/v1/state-reports", `[${" ".repeat(MAX_BODY)}]`);
    expect(huge.status).toBe(413);
    expect((await json(huge)).error).toBe(`body over ${MAX_BODY} bytes`);

    expect((await t.pool.query("select count(*)::int as n from state_events")).rows[0].n).toBe(before);
    // And the port still answers.
    const after = await post("/v1/state-reports", [report(deviceIds[0]!, { temperature: 23 })]);
    expect(await json(after)).toMatchObject({ accepted: 1 });
  });
});

describe("POST /v1/heartbeats", () => {
  it("records that devices were heard from, and says how many it did not know", async () => {
    await t.pool.query("update devices set last_seen_at = now() - interval '1 hour' where id = any($1)", [deviceIds.slice(0, 2)]);
    const stranger = "00000000-0000-4000-8000-000000000001";
    const res = await post("/v1/heartbeats", { deviceIds: [deviceIds[0], deviceIds[1], deviceIds[0], stranger] });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ recorded: 2, unknown: 1, unauthorized: 0 });
    const seen = await t.pool.query("select id from devices where id = any($1) and last_seen_at > now() - interval '1 minute'", [deviceIds.slice(0, 2)]);
    expect(seen.rowCount).toBe(2);
    const text = await metrics.registry.getSingleMetricAsString("proviso_heartbeats_total");
    expect(text).toMatch(/result="accepted"} 2/);
    expect(text).toMatch(/result="unknown"} 1/);
  });

  it("names the first id that is not a device id, and records none of that request", async () => {
    await t.pool.query("update devices set last_seen_at = null where id = $1", [deviceIds[2]]);
    const res = await post("/v1/heartbeats", { deviceIds: [deviceIds[2], "lamp-7"] });
    expect(res.status).toBe(400);
    expect((await json(res)).error).toBe('deviceIds[1] is not a device id (a UUID): "lamp-7"');
    expect((await t.pool.query("select last_seen_at from devices where id = $1", [deviceIds[2]])).rows[0].last_seen_at).toBeNull();

    const shape = await post("/v1/heartbeats", { ids: [] });
    expect(shape.status).toBe(400);
    const tooMany = await post("/v1/heartbeats", { deviceIds: Array.from({ length: MAX_HEARTBEATS_PER_REQUEST + 1 }, () => deviceIds[0]) });
    expect(tooMany.status).toBe(413);
  });
});

describe("the rest of the port", () => {
  it("serves /healthz, /metrics, and 404 for anything else", async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await json(health)).toEqual({ ok: true, database: true, mqtt: true, policyVersion: worlds.current().policyVersion });
    const m = await fetch(`${base}/metrics`);
    expect(await m.text()).toContain("proviso_reports_total");
    expect((await fetch(`${base}/v1/nothing`)).status).toBe(404);
    const schema = await fetch(`${base}/v1/schemas/state-report.json`);
    expect(schema.headers.get("content-type")).toBe("application/schema+json");
    expect(await schema.json()).toMatchObject({
      title: "Proviso device state report, version 1",
      required: expect.arrayContaining(["deviceId", "seq", "observedAt", "cause", "properties"]),
    });
  });
});

describe("who may report", () => {
  const stored = async (deviceId: string, seqNo: number) =>
    (await t.pool.query("select 1 from state_events where device_id = $1 and seq = $2", [deviceId, seqNo])).rowCount;

  it("refuses a request with no credential, a made-up one or a wrong secret, and stores nothing of it", async () => {
    const r = report(deviceIds[0]!, { temperature: 24.5 });
    const device = await issueDeviceCredential(t.db, deviceIds[0]!);
    for (const token of [null, "not-a-token", `${device.keyId}.wrong-secret`, `dk_${"0".repeat(20)}.${device.secret}`]) {
      const res = await post("/v1/state-reports", [r], token);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="proviso"');
      expect((await json(res)).error).toMatch(/bearer token|credential/);
    }
    expect(await stored(r.deviceId, r.seq)).toBe(0);
    expect((await post("/v1/heartbeats", { deviceIds: [deviceIds[0]] }, null)).status).toBe(401);
    const text = await metrics.registry.getSingleMetricAsString("proviso_ingest_refused_total");
    expect(text).toMatch(/reason="no_credential"} 2/);
    expect(text).toMatch(/reason="bad_credential"} 3/);
  });

  it("lets a device speak only for itself: another device's report is quarantined and never reaches its shadow", async () => {
    const [mine, theirs] = [deviceIds[3]!, deviceIds[4]!];
    const { token } = await issueDeviceCredential(t.db, mine);
    const before = await t.pool.query("select properties::text as p from device_shadow where device_id = $1", [theirs]);
    const forged = report(theirs, { heatingSetpoint: 35 });
    const res = await post("/v1/state-reports", [report(mine, { temperature: 19.5 }), forged], token);
    expect(await json(res)).toMatchObject({
      accepted: 1,
      rejected: 1,
      results: [{ status: "accepted" }, { status: "rejected", code: "UNAUTHORIZED_DEVICE", reason: `this credential may not speak for device ${theirs}` }],
    });
    expect(await stored(theirs, forged.seq)).toBe(0);
    expect((await t.pool.query("select properties::text as p from device_shadow where device_id = $1", [theirs])).rows).toEqual(before.rows);
    expect((await t.pool.query("select reason_code from quarantine where device_ref = $1 order by id desc limit 1", [theirs])).rows[0].reason_code).toBe(
      "UNAUTHORIZED_DEVICE",
    );
    // Nor keep it looking reachable.
    expect(await json(await post("/v1/heartbeats", { deviceIds: [mine, theirs] }, token))).toEqual({ recorded: 1, unknown: 0, unauthorized: 1 });
    expect(await metrics.registry.getSingleMetricAsString("proviso_ingest_refused_total")).toMatch(/reason="unauthorized_device"} 2/);
  });

  it("holds an ingest client to its homes' devices", async () => {
    const homes = (await t.pool.query("select id, home_id from devices order by serial")).rows as { id: string; home_id: string }[];
    const home = homes[0]!.home_id;
    const inside = homes.find((d) => d.home_id === home)!.id;
    const outside = homes.find((d) => d.home_id !== home)!.id;
    const gateway = await issueIngestClient(t.db, { name: "Berg gateway", homeIds: [home] });
    const answer = await json(await post("/v1/state-reports", [report(inside, { temperature: 18.5 }), report(outside, { temperature: 18.5 })], gateway.token));
    expect(answer.results.map((r) => r.code ?? r.status)).toEqual(["accepted", "UNAUTHORIZED_DEVICE"]);
  });

  it("keeps a rotated credential for its grace period only, and ends a revoked one at once", async () => {
    const device = deviceIds[5]!;
    const first = await issueDeviceCredential(t.db, device);
    const rotated = await rotateDeviceCredential(t.db, device, { graceSeconds: 3600 });
    expect(rotated.previousUntil.getTime()).toBeGreaterThan(Date.now());
    for (const token of [first.token, rotated.token]) expect((await post("/v1/state-reports", [report(device, { temperature: 17 })], token)).status).toBe(200);
    // The grace period over: the old one no longer works, the new one does.
    await t.pool.query("update device_credentials set expires_at = now() - interval '1 second' where key_id = $1", [first.keyId]);
    expect((await post("/v1/state-reports", [report(device, { temperature: 17.5 })], first.token)).status).toBe(401);
    expect((await post("/v1/state-reports", [report(device, { temperature: 17.5 })], rotated.token)).status).toBe(200);
    // Revoked: refused from the next request on.
    expect(await revokeDeviceCredentials(t.db, device)).toEqual([rotated.keyId]);
    expect((await post("/v1/state-reports", [report(device, { temperature: 18 })], rotated.token)).status).toBe(401);
  });
});
