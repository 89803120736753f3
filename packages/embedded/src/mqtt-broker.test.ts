import mqtt from "mqtt";
import mqttPacket from "mqtt-packet";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedBroker, topicMatches, type EmbeddedBroker } from "./mqtt-broker";

let broker: EmbeddedBroker;
beforeAll(async () => {
  broker = await startEmbeddedBroker({ port: 0 });
});
afterAll(() => broker.stop());

const connect = async (opts: mqtt.IClientOptions = {}) => {
  const c = mqtt.connect(broker.url, { reconnectPeriod: 0, ...opts });
  await new Promise<void>((resolve, reject) => {
    c.once("connect", () => resolve());
    c.once("error", reject);
  });
  return c;
};
const collect = (c: mqtt.MqttClient) => {
  const got: string[] = [];
  c.on("message", (_t, payload) => got.push(payload.toString()));
  return got;
};
const until = async (cond: () => boolean, ms = 3_000) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
};

describe("embedded MQTT broker", () => {
  it("matches topics with + and #, never $-topics by a leading wildcard", () => {
    expect(topicMatches("proviso/v1/devices/+/state", "proviso/v1/devices/abc/state")).toBe(true);
    expect(topicMatches("proviso/v1/devices/+/state", "proviso/v1/devices/abc/heartbeat")).toBe(false);
    expect(topicMatches("proviso/#", "proviso/v1/devices/abc/state")).toBe(true);
    expect(topicMatches("#", "$SYS/x")).toBe(false);
  });

  it("routes QoS 1 messages between MQTT 3.1.1 and MQTT 5 clients", async () => {
    const sub = await connect({ protocolVersion: 5 });
    const got = collect(sub);
    await sub.subscribeAsync("proviso/v1/devices/+/state", { qos: 1 });
    const pub = await connect({ protocolVersion: 4 });
    await pub.publishAsync("proviso/v1/devices/d1/state", "hello", { qos: 1 });
    await until(() => got.length === 1);
    expect(got).toEqual(["hello"]);
    await Promise.all([sub.endAsync(), pub.endAsync()]);
  });

  it("splits a shared subscription between the members of a group, each message once", async () => {
    const a = await connect({ protocolVersion: 5, clientId: "worker-a" });
    const b = await connect({ protocolVersion: 5, clientId: "worker-b" });
    const gotA = collect(a);
    const gotB = collect(b);
    await a.subscribeAsync("$share/workers/t/+/state", { qos: 1 });
    await b.subscribeAsync("$share/workers/t/+/state", { qos: 1 });
    const pub = await connect();
    for (let i = 0; i < 20; i++) await pub.publishAsync(`t/${i}/state`, String(i), { qos: 1 });
    await until(() => gotA.length + gotB.length === 20);
    expect(gotA.length).toBeGreaterThan(0);
    expect(gotB.length).toBeGreaterThan(0);
    expect([...gotA, ...gotB].map(Number).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    await Promise.all([a.endAsync(), b.endAsync(), pub.endAsync()]);
  });

  it("hands a departed member's unacknowledged messages to the rest of its group", async () => {
    const survivor = await connect({ protocolVersion: 5, clientId: "survivor" });
    const got = collect(survivor);
    await survivor.subscribeAsync("$share/g/x/+", { qos: 1 });
    // A member that never acknowledges (it holds its PUBACKs, as a worker does until commit).
    const holder = await connect({ protocolVersion: 5, clientId: "holder", customHandleAcks: () => {} });
    await holder.subscribeAsync("$share/g/x/+", { qos: 1 });
    const pub = await connect();
    for (let i = 0; i < 6; i++) await pub.publishAsync(`x/${i}`, String(i), { qos: 1 });
    await until(() => got.length === 3);
    holder.end(true);
    await until(() => got.length === 6);
    expect(got.map(Number).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    await Promise.all([survivor.endAsync(), pub.endAsync()]);
  });

  it("respects a client's Receive Maximum, sending more as acknowledgements come", async () => {
    // A raw MQTT 5 client (mqtt.js itself handles one message at a time).
    const socket = net.connect(broker.port, "127.0.0.1");
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    const publishes: { messageId: number; payload: string }[] = [];
    let subscribed = false;
    parser.on("packet", (p) => {
      const packet = p as unknown as { cmd: string; messageId: number; payload: Buffer };
      if (packet.cmd === "suback") subscribed = true;
      if (packet.cmd === "publish") publishes.push({ messageId: packet.messageId, payload: packet.payload.toString() });
    });
    socket.on("data", (d) => parser.parse(d));
    const write = (packet: object) => socket.write(mqttPacket.generate(packet as never, { protocolVersion: 5 }));
    await new Promise((r) => socket.once("connect", r));
    write({ cmd: "connect", protocolId: "MQTT", protocolVersion: 5, clientId: "slow", clean: true, keepalive: 30, properties: { receiveMaximum: 2 } });
    write({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "rm/#", qos: 1 }] });
    await until(() => subscribed);
    const pub = await connect();
    for (let i = 0; i < 5; i++) await pub.publishAsync(`rm/${i}`, String(i), { qos: 1 });
    await new Promise((r) => setTimeout(r, 200));
    expect(publishes.map((p) => p.payload)).toEqual(["0", "1"]);
    write({ cmd: "puback", messageId: publishes[0]!.messageId });
    await until(() => publishes.length === 3);
    expect(publishes.map((p) => p.payload)).toEqual(["0", "1", "2"]);
    socket.destroy();
    await pub.endAsync();
  });
});
