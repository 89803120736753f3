// The worker's MQTT consumer against a real broker: the embedded one always, and the one MQTT_URL
// names as well (Mosquitto in CI). Replicas in one shared-subscription group split the reports;
// the broker sends no more than Receive Maximum before the first acknowledgements; what a replica
// took but never acknowledged (it crashed before its batch committed) is not lost; a replica that
// stops on purpose leaves nothing behind.
import { BrokerAdmin } from "@proviso/broker";
import { withCredentials } from "@proviso/config";
import { startEmbeddedBroker, type EmbeddedBroker } from "@proviso/embedded";
import { randomBytes } from "node:crypto";
import mqtt from "mqtt";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MqttConsumer, type ConsumedMessage } from "./consumer";

let embedded: EmbeddedBroker;
/** On a broker with access control (Mosquitto with dynamic security, in CI), a client of its own for these tests' topics. */
let realUrl = process.env.MQTT_URL ?? "";
beforeAll(async () => {
  embedded = await startEmbeddedBroker({ port: 0 });
  if (process.env.MQTT_URL && process.env.MQTT_ADMIN_PASSWORD) {
    const admin = await BrokerAdmin.connect(process.env.MQTT_URL, {
      username: process.env.MQTT_ADMIN_USERNAME || "proviso-admin",
      password: process.env.MQTT_ADMIN_PASSWORD,
    });
    const client = { username: `proviso-test-${process.pid}`, password: randomBytes(12).toString("hex") };
    const acls = ["publishClientSend", "subscribePattern"].flatMap((acltype) =>
      ["proviso-test/#", "$share/+/proviso-test/#"].map((topic) => ({ acltype, topic, priority: 0, allow: true })),
    );
    await admin.run([
      { command: "createRole", rolename: client.username, acls },
      { command: "createClient", username: client.username, password: client.password, roles: [{ rolename: client.username }] },
    ]);
    await admin.close();
    realUrl = withCredentials(process.env.MQTT_URL, client);
  }
});
afterAll(() => embedded?.stop());

const brokers: { name: string; url: () => string }[] = [{ name: "embedded broker", url: () => embedded.url }];
if (process.env.MQTT_URL) brokers.push({ name: `MQTT_URL (${new URL(process.env.MQTT_URL).host})`, url: () => realUrl });

const until = async (what: string, cond: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe.each(brokers)("the worker's MQTT consumer on the $name", ({ url }) => {
  let run = 0;
  const names = () => {
    run++;
    const id = `${process.pid}-${Date.now().toString(36)}-${run}`;
    return { group: `test-${id}`, topic: `proviso-test/${id}/devices/+/state`, publishTo: (n: number) => `proviso-test/${id}/devices/d${n}/state`, id };
  };
  const publisher = async () => {
    const c = mqtt.connect(url(), { protocolVersion: 5, clientId: `test-pub-${process.pid}-${run}-${Math.random().toString(36).slice(2, 8)}` });
    await new Promise<void>((resolve, reject) => {
      c.once("connect", () => resolve());
      c.once("error", reject);
    });
    return c;
  };
  const consumer = async (topic: string, clientId: string, opts: { receiveMaximum?: number; sessionExpirySeconds?: number } = {}) => {
    const c = new MqttConsumer({ url: url(), clientId, topic, protocolVersion: 5, ...opts });
    const got: ConsumedMessage[] = [];
    c.on("message", (m: ConsumedMessage) => got.push(m));
    c.on("error", () => {});
    await c.connect();
    return { c, got };
  };

  it("splits a shared subscription's messages between the replicas of a group, each message to one", async () => {
    const n = names();
    const a = await consumer(`$share/${n.group}/${n.topic}`, `a-${n.id}`);
    const b = await consumer(`$share/${n.group}/${n.topic}`, `b-${n.id}`);
    for (const r of [a, b]) r.c.on("message", (m: ConsumedMessage) => m.ack());
    const pub = await publisher();
    for (let i = 0; i < 200; i++) await pub.publishAsync(n.publishTo(i % 20), JSON.stringify({ i }), { qos: 1 });
    await until("all 200 messages", () => a.got.length + b.got.length >= 200);
    await new Promise((r) => setTimeout(r, 200));
    const seen = [...a.got, ...b.got].map((m) => JSON.parse(m.payload.toString()).i as number).sort((x, y) => x - y);
    expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(a.got.length).toBeGreaterThan(20);
    expect(b.got.length).toBeGreaterThan(20);
    await Promise.all([a.c.close(), b.c.close(), pub.endAsync()]);
  });

  it("has at most Receive Maximum messages unacknowledged, and gets the rest as it acknowledges", async () => {
    const n = names();
    const only = await consumer(`$share/${n.group}/${n.topic}`, `only-${n.id}`, { receiveMaximum: 10 });
    const pub = await publisher();
    for (let i = 0; i < 30; i++) await pub.publishAsync(n.publishTo(i), JSON.stringify({ i }), { qos: 1 });
    await until("the first window", () => only.got.length >= 10);
    await new Promise((r) => setTimeout(r, 300));
    expect(only.got).toHaveLength(10);
    // (Past the first window Mosquitto 2.0.11 sends more than Receive Maximum at once; the
    // embedded broker does not. The worker takes either: its buffer holds what arrives.)
    for (let acked = 0; acked < 30;) {
      await until("more", () => only.got.length > acked);
      for (const m of only.got.slice(acked)) m.ack();
      acked = only.got.length;
    }
    expect(only.got.map((m) => JSON.parse(m.payload.toString()).i)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    await Promise.all([only.c.close(), pub.endAsync()]);
  });

  it("loses nothing a replica took but never acknowledged when it crashes and comes back under its id", async () => {
    const n = names();
    const topic = `$share/${n.group}/${n.topic}`;
    const crashing = await consumer(topic, `crashing-${n.id}`, { receiveMaximum: 50, sessionExpirySeconds: 60 });
    const pub = await publisher();
    for (let i = 0; i < 20; i++) await pub.publishAsync(n.publishTo(i), JSON.stringify({ i }), { qos: 1 });
    await until("the replica to hold all 20", () => crashing.got.length >= 20);
    // It acknowledges the first five (committed), then dies before committing the rest.
    for (const m of crashing.got.slice(0, 5)) m.ack();
    await new Promise((r) => setTimeout(r, 200));
    const survivor = await consumer(topic, `survivor-${n.id}`, { sessionExpirySeconds: 60 });
    survivor.c.on("message", (m: ConsumedMessage) => m.ack());
    (crashing.c as unknown as { socket: net.Socket }).socket.destroy();
    await new Promise((r) => setTimeout(r, 300));
    // Reports keep coming while it is away.
    for (let i = 20; i < 40; i++) await pub.publishAsync(n.publishTo(i), JSON.stringify({ i }), { qos: 1 });
    // Back under its id. (The embedded broker has already handed its unacknowledged messages to the
    // survivor; Mosquitto kept them, and a share of those that came meanwhile, for its session.)
    const back = await consumer(topic, `crashing-${n.id}`, { receiveMaximum: 50, sessionExpirySeconds: 60 });
    back.c.on("message", (m: ConsumedMessage) => m.ack());
    const after = () => [...survivor.got, ...back.got].map((m) => JSON.parse(m.payload.toString()).i as number);
    await until("every message not acknowledged before the crash", () => new Set(after()).size >= 35);
    expect([...new Set(after())].sort((x, y) => x - y)).toEqual(Array.from({ length: 35 }, (_, i) => i + 5));
    await Promise.all([survivor.c.close(), back.c.close(), pub.endAsync()]);
  });

  it("stops on purpose without leaving anything for the broker to keep: unsubscribe, acknowledge, end the session", async () => {
    const n = names();
    const topic = `$share/${n.group}/${n.topic}`;
    const leaving = await consumer(topic, `leaving-${n.id}`, { sessionExpirySeconds: 60 });
    const staying = await consumer(topic, `staying-${n.id}`, { sessionExpirySeconds: 60 });
    staying.c.on("message", (m: ConsumedMessage) => m.ack());
    const pub = await publisher();
    for (let i = 0; i < 10; i++) await pub.publishAsync(n.publishTo(i), JSON.stringify({ i }), { qos: 1 });
    await until("both to have some", () => leaving.got.length + staying.got.length >= 10);
    await leaving.c.unsubscribe();
    for (const m of leaving.got) m.ack();
    const hadBefore = leaving.got.length;
    for (let i = 10; i < 20; i++) await pub.publishAsync(n.publishTo(i), JSON.stringify({ i }), { qos: 1 });
    await until("the rest at the one staying", () => leaving.got.length + staying.got.length >= 20);
    expect(leaving.got).toHaveLength(hadBefore);
    await leaving.c.close();
    // Its session is gone: under the same id it finds nothing kept for it.
    const again = await consumer(`${n.topic.replace("+", "none")}`, `leaving-${n.id}`, { sessionExpirySeconds: 60 });
    await new Promise((r) => setTimeout(r, 500));
    expect(again.got).toEqual([]);
    const all = [...leaving.got, ...staying.got].map((m) => JSON.parse(m.payload.toString()).i as number).sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 20 }, (_, i) => i));
    await Promise.all([again.c.close(), staying.c.close(), pub.endAsync()]);
  });

  it("says what is wrong with a broker it cannot use", async () => {
    await expect(new MqttConsumer({ url: "ws://127.0.0.1:1/mqtt", clientId: "x", topic: "t" }).connect()).rejects.toThrow(
      "MQTT URL must start mqtt:// or mqtts://, not ws://",
    );
    // A server that accepts the connection and never answers.
    const silent = net.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as net.AddressInfo).port;
    await expect(new MqttConsumer({ url: `mqtt://127.0.0.1:${port}`, clientId: "x", topic: "t", connectTimeoutMs: 300 }).connect()).rejects.toThrow(
      `no answer from the MQTT broker at 127.0.0.1:${port} in 300 ms`,
    );
    silent.close();
  });
});
