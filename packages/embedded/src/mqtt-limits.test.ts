// What one client can make the embedded broker hold, and who may take a session over: packets up
// to the limit, so many messages waiting per session, a kept session for so long at most; with
// access control, a client id whose session another client holds is not taken over.
import mqtt from "mqtt";
import mqttPacket from "mqtt-packet";
import { randomBytes } from "node:crypto";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { CONTROL_RESPONSE_TOPIC, CONTROL_TOPIC } from "./mqtt-access";
import { startEmbeddedBroker, type EmbeddedBroker } from "./mqtt-broker";

let broker: EmbeddedBroker | null = null;
afterEach(async () => {
  await broker?.stop();
  broker = null;
});
const connect = (opts: mqtt.IClientOptions) => mqtt.connectAsync(broker!.url, { reconnectPeriod: 0, protocolVersion: 5, ...opts });
const until = async (cond: () => boolean, ms = 3_000) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
};

describe("embedded MQTT broker limits", () => {
  it("ends a connection that sends a packet over the limit, and says the limit in its CONNACK", async () => {
    broker = await startEmbeddedBroker({ port: 0, maxPacketBytes: 4_096 });
    const c = await connect({});
    expect((c as unknown as { connackPacket?: { properties?: { maximumPacketSize?: number } } }).connackPacket?.properties?.maximumPacketSize).toBe(4_096);
    await c.endAsync();
    // A client that ignores it (raw packets): its connection ends before the broker holds it all.
    const closed = await new Promise<boolean>((resolve) => {
      const s = net.connect(broker!.port, "127.0.0.1", () => {
        s.write(
          mqttPacket.generate({ cmd: "connect", protocolId: "MQTT", protocolVersion: 4, clean: true, clientId: "big", keepalive: 60 } as mqttPacket.Packet),
        );
        s.write(
          mqttPacket.generate({ cmd: "publish", topic: "big/topic", payload: Buffer.alloc(100_000), qos: 0, dup: false, retain: false } as mqttPacket.Packet),
        );
      });
      s.resume(); // its CONNACK read and dropped, so the end is seen
      s.on("close", () => resolve(true));
      s.on("error", () => {});
    });
    expect(closed).toBe(true);
    // The broker goes on for everyone else.
    const other = await connect({});
    await other.endAsync();
  });

  it("keeps at most so many messages waiting for a session, and a kept session for so long at most", async () => {
    broker = await startEmbeddedBroker({ port: 0, maxQueuedPerSession: 5, maxSessionExpirySeconds: 1 });
    const sub = await connect({ clientId: "slow", clean: false, properties: { sessionExpiryInterval: 0xffffffff } });
    await sub.subscribeAsync("q/#", { qos: 1 });
    await sub.endAsync();
    const pub = await connect({});
    for (let i = 0; i < 20; i++) await pub.publishAsync(`q/${i}`, String(i), { qos: 1 });
    const got: string[] = [];
    const back = mqtt.connect(broker!.url, {
      reconnectPeriod: 0,
      protocolVersion: 5,
      clientId: "slow",
      clean: false,
      properties: { sessionExpiryInterval: 0xffffffff },
    });
    back.on("message", (_t, p) => got.push(p.toString()));
    await new Promise<void>((r) => back.once("connect", () => r()));
    await until(() => got.length >= 5, 1_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toEqual(["0", "1", "2", "3", "4"]);
    await back.endAsync();
    // Asked to be kept for ever, kept for the limit (1 s): then nothing waits for it.
    await new Promise((r) => setTimeout(r, 1_300));
    await pub.publishAsync("q/late", "late", { qos: 1 });
    const later = await connect({ clientId: "slow", clean: false, properties: { sessionExpiryInterval: 60 } });
    expect((later as unknown as { connackPacket: { sessionPresent: boolean } }).connackPacket.sessionPresent).toBe(false);
    await Promise.all([later.endAsync(), pub.endAsync()]);
  });

  it("with access control, does not let one client take over a session another holds (the worker's stays the worker's)", async () => {
    const admin = { username: "admin", password: randomBytes(8).toString("hex") };
    broker = await startEmbeddedBroker({ port: 0, access: { admin } });
    const control = await connect({ username: admin.username, password: admin.password });
    const answers: string[] = [];
    control.on("message", (_t, p) => answers.push(p.toString()));
    await control.subscribeAsync(CONTROL_RESPONSE_TOPIC);
    await control.publishAsync(
      CONTROL_TOPIC,
      JSON.stringify({
        commands: [
          { command: "createRole", rolename: "reader", acls: [{ acltype: "subscribePattern", topic: "#", allow: true }] },
          { command: "createClient", username: "worker", password: "w", roles: [{ rolename: "reader" }] },
          { command: "createClient", username: "other", password: "o", roles: [{ rolename: "reader" }] },
        ],
      }),
    );
    await until(() => answers.length === 1);
    expect(JSON.parse(answers[0]!).responses.every((r: { error?: string }) => !r.error)).toBe(true);
    const worker = await connect({ clientId: "proviso-worker-state", username: "worker", password: "w" });
    const refused = await connect({ clientId: "proviso-worker-state", username: "other", password: "o" }).then(
      () => "connected",
      (err: Error & { code?: number }) => err.code,
    );
    expect(refused).toBe(135);
    expect(worker.connected).toBe(true);
    // A raw CONNECT with no credentials at all: refused (MQTT 3.1.1 return code 5), and the socket ends.
    const answer = await new Promise<Buffer>((resolve) => {
      const s = net.connect(broker!.port, "127.0.0.1", () => s.write(Buffer.from("101000044d5154540402003c000461626364", "hex")));
      s.once("data", (d) => resolve(d));
    });
    expect([...answer]).toEqual([0x20, 0x02, 0x00, 0x05]);
    await Promise.all([worker.endAsync(), control.endAsync()]);
  });
});
