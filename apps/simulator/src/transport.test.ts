// Carrying the fleet's reports: HTTP batches within the worker's limit, kept and sent again in
// order while the worker is away, given up only past the bound or when refused as bad; MQTT one
// QoS 1 message per report on the device's topic.
import { MAX_REPORTS_PER_REQUEST } from "@proviso/domain";
import { startEmbeddedBroker } from "@proviso/embedded";
import mqtt from "mqtt";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Report } from "./behaviour";
import { httpTransport, mqttTransport } from "./transport";

const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
let seq = 0;
const reports = (n: number, device = 1): Report[] =>
  Array.from({ length: n }, () => ({
    v: 1,
    deviceId: uuid(device),
    seq: ++seq,
    boot: 1,
    observedAt: new Date().toISOString(),
    cause: "periodic",
    properties: { temperature: 20 },
  }));

/** A stand-in for the worker's HTTP port that records what it was sent and answers as told. */
async function fakeWorker(answer: (path: string, body: unknown) => { status: number; body: unknown } = defaultAnswer) {
  const got: { path: string; body: unknown; authorization?: string }[] = [];
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      const body = JSON.parse(raw);
      got.push({ path: req.url!, body, authorization: req.headers.authorization });
      const a = answer(req.url!, body);
      res.writeHead(a.status, { "content-type": "application/json" });
      res.end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, got, server };
}
function defaultAnswer(path: string, body: unknown) {
  if (path === "/v1/heartbeats") return { status: 200, body: { recorded: (body as { deviceIds: string[] }).deviceIds.length, unknown: 0 } };
  const batch = body as Report[];
  const results = batch.map((r, index) =>
    r.properties.temperature === 99 ? { index, status: "rejected", code: "OUT_OF_RANGE" } : { index, status: "accepted" },
  );
  return { status: 200, body: { results } };
}
const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe("over HTTP", () => {
  it("sends batches the worker takes, and counts what it accepted and rejected", async () => {
    const worker = await fakeWorker();
    const t = httpTransport(worker.url, { token: "ic_0123456789abcdefghij.secret" });
    const many = reports(2 * MAX_REPORTS_PER_REQUEST + 500);
    many[7]!.properties = { temperature: 99 };
    t.send(many);
    t.heartbeat([uuid(1), uuid(2), uuid(1)]);
    await t.flush();
    const batches = worker.got.filter((g) => g.path === "/v1/state-reports").map((g) => (g.body as Report[]).length);
    expect(batches).toEqual([MAX_REPORTS_PER_REQUEST, MAX_REPORTS_PER_REQUEST, 500]);
    expect(worker.got.filter((g) => g.path === "/v1/heartbeats").map((g) => g.body)).toEqual([{ deviceIds: [uuid(1), uuid(2)] }]);
    // Every request speaks with the maker's cloud's token.
    expect(new Set(worker.got.map((g) => g.authorization))).toEqual(new Set(["Bearer ic_0123456789abcdefghij.secret"]));
    expect(t.stats()).toMatchObject({ sent: many.length - 1, rejected: { OUT_OF_RANGE: 1 }, heartbeats: 2, dropped: 0, queued: 0, lastError: null });
  });

  it("keeps what the worker could not take and sends it again, in order, when it is back", async () => {
    let down = true;
    const worker = await fakeWorker((path, body) => (down ? { status: 503, body: { error: "starting" } } : defaultAnswer(path, body)));
    const t = httpTransport(worker.url);
    const first = reports(3);
    t.send(first);
    await t.flush();
    expect(t.stats()).toMatchObject({ sent: 0, queued: 3, lastError: expect.stringMatching(/503/) });
    const second = reports(2);
    t.send(second);
    down = false;
    await t.flush();
    const delivered = worker.got
      .filter((g) => g.path === "/v1/state-reports")
      .slice(1)
      .flatMap((g) => (g.body as Report[]).map((r) => r.seq));
    expect(delivered).toEqual([...first, ...second].map((r) => r.seq));
    expect(t.stats()).toMatchObject({ sent: 5, queued: 0, lastError: null });
  });

  it("with no worker listening at all, keeps the newest reports up to its bound", async () => {
    const worker = await fakeWorker();
    const url = worker.url;
    await new Promise((r) => worker.server.close(r));
    servers.length = 0;
    const t = httpTransport(url, { maxQueued: 10 });
    t.send(reports(25));
    await t.flush();
    expect(t.stats()).toMatchObject({ sent: 0, queued: 10, dropped: 15, lastError: expect.stringMatching(/state-reports/) });
  });

  it("gives up a batch the worker refuses as bad, and goes on with the rest", async () => {
    let calls = 0;
    const worker = await fakeWorker((path, body) =>
      path === "/v1/state-reports" && calls++ === 0 ? { status: 400, body: { error: "body is not JSON" } } : defaultAnswer(path, body),
    );
    const t = httpTransport(worker.url);
    t.send(reports(MAX_REPORTS_PER_REQUEST + 2));
    await t.flush();
    expect(t.stats()).toMatchObject({ sent: 2, dropped: MAX_REPORTS_PER_REQUEST, queued: 0 });
  });
});

describe("over MQTT", () => {
  it("publishes each report on its device's state topic, and heartbeats on its heartbeat topic", async () => {
    const broker = await startEmbeddedBroker({ port: 0 });
    try {
      const listener = mqtt.connect(broker.url, { protocolVersion: 5 });
      const got: { topic: string; body: { seq?: number } }[] = [];
      listener.on("message", (topic, payload) => got.push({ topic, body: JSON.parse(payload.toString()) }));
      await new Promise<void>((r) => listener.once("connect", () => r()));
      await listener.subscribeAsync("proviso/v1/devices/+/+", { qos: 1 });

      let connected!: () => void;
      const ready = new Promise<void>((r) => (connected = r));
      // Each device on its own connection, with its own credential (this broker checks none: access is tested with the broker).
      const t = mqttTransport(broker.url, new Map([[uuid(5), { keyId: "dk_0123456789abcdefghij", secret: "s" }]]), () => connected());
      await ready;
      expect(t.ready()).toBe(true);
      const sent = reports(3, 5);
      t.send(sent);
      t.heartbeat([uuid(5)]);
      // A device with no credential publishes nothing: its reports are dropped and counted.
      t.send(reports(2, 6));
      const deadline = Date.now() + 5_000;
      while (got.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(got.filter((g) => g.topic === `proviso/v1/devices/${uuid(5)}/state`).map((g) => g.body.seq)).toEqual(sent.map((r) => r.seq));
      expect(got.filter((g) => g.topic === `proviso/v1/devices/${uuid(5)}/heartbeat`)).toHaveLength(1);
      expect(t.stats()).toMatchObject({ sent: 3, heartbeats: 1, dropped: 2 });
      await t.close();
      await listener.endAsync();
    } finally {
      await broker.stop();
    }
  });
});
