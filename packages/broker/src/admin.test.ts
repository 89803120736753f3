// Device access on both brokers, as Proviso provisions it: the embedded broker with its access
// control always, and the broker MQTT_URL names with MQTT_ADMIN_PASSWORD (Mosquitto with its
// dynamic-security plugin, in CI). A device may publish only to its own topics, with its own
// credential and client id; nothing else connects; the worker alone reads the reports; a revoked
// credential is disconnected at once.
import { startEmbeddedBroker, type EmbeddedBroker } from "@proviso/embedded";
import mqtt, { type MqttClient } from "mqtt";
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BrokerAdmin } from "./admin";

const ADMIN = { username: "proviso-admin", password: randomBytes(12).toString("hex") };
let embedded: EmbeddedBroker;
beforeAll(async () => {
  embedded = await startEmbeddedBroker({ port: 0, access: { admin: ADMIN } });
});
afterAll(() => embedded?.stop());

const brokers: { name: string; url: () => string; admin: () => typeof ADMIN }[] = [{ name: "embedded broker", url: () => embedded.url, admin: () => ADMIN }];
if (process.env.MQTT_URL && process.env.MQTT_ADMIN_PASSWORD) {
  brokers.push({
    name: `MQTT_URL (${new URL(process.env.MQTT_URL).host})`,
    url: () => process.env.MQTT_URL!,
    admin: () => ({ username: process.env.MQTT_ADMIN_USERNAME || "proviso-admin", password: process.env.MQTT_ADMIN_PASSWORD! }),
  });
}

const connect = (url: string, opts: mqtt.IClientOptions) => mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5_000, ...opts });
const refusal = (url: string, opts: mqtt.IClientOptions) =>
  connect(url, opts).then(
    async (c) => {
      await c.endAsync();
      return "connected";
    },
    (err: Error & { code?: number }) => err.code ?? err.message,
  );
const newDevice = () => ({ deviceId: randomUUID(), keyId: `dk_${randomBytes(10).toString("hex")}`, secret: randomBytes(32).toString("base64url") });
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(brokers)("device access on the $name", ({ url, admin: adminOf }) => {
  let admin: BrokerAdmin;
  const worker = { username: `proviso-worker-test-${process.pid}`, password: randomBytes(12).toString("hex") };
  const opened: MqttClient[] = [];
  const open = async (opts: mqtt.IClientOptions) => {
    const c = await connect(url(), opts);
    opened.push(c);
    return c;
  };
  beforeAll(async () => {
    admin = await BrokerAdmin.connect(url(), adminOf());
    await admin.ensureWorker(worker.username, worker.password);
  });
  afterAll(async () => {
    await Promise.all(opened.map((c) => c.endAsync(true)));
    await admin?.close();
  });

  it("makes the worker's client again without fault (every worker start does), with the password given last", async () => {
    const again = { ...worker, password: randomBytes(12).toString("hex") };
    await admin.ensureWorker(again.username, again.password);
    await admin.ensureWorker(again.username, again.password);
    expect(await refusal(url(), { clientId: `${worker.username}-x`, username: worker.username, password: again.password })).toBe("connected");
    worker.password = again.password;
  });

  it("refuses anyone without a client: no credentials, a wrong secret, another client id", async () => {
    const device = newDevice();
    await admin.grantDevices([device]);
    expect(await refusal(url(), { clientId: device.keyId })).toBe(135);
    expect(await refusal(url(), { clientId: device.keyId, username: device.keyId, password: "wrong" })).toBe(135);
    expect(await refusal(url(), { clientId: "someone-else", username: device.keyId, password: device.secret })).toBe(135);
    // Not even the worker's own client id: a device's client is bound to its device's id.
    expect(await refusal(url(), { clientId: `proviso-worker-host-3001-state`, username: device.keyId, password: device.secret })).toBe(135);
    expect(await refusal(url(), { clientId: device.keyId, username: device.keyId, password: device.secret })).toBe("connected");
  });

  it("lets a device publish to its own topics only, and read nothing; the worker reads what it publishes", async () => {
    const [a, b] = [newDevice(), newDevice()];
    await admin.grantDevices([a, b]);
    const reader = await open({ clientId: `${worker.username}-${randomBytes(3).toString("hex")}`, username: worker.username, password: worker.password });
    const got: string[] = [];
    reader.on("message", (topic, payload) => got.push(`${topic} ${payload.toString()}`));
    await reader.subscribeAsync(`$share/test-${process.pid}/proviso/v1/devices/+/state`, { qos: 1 });
    const device = await open({ clientId: a.keyId, username: a.keyId, password: a.secret });
    await device.publishAsync(`proviso/v1/devices/${a.deviceId}/state`, "mine", { qos: 1 });
    // A forged report for another device: not taken (MQTT 5 says so in the PUBACK).
    const forged = await device.publishAsync(`proviso/v1/devices/${b.deviceId}/state`, "forged", { qos: 1 }).then(
      () => "taken",
      (err: Error & { code?: number }) => err.code,
    );
    expect(forged).toBe(135);
    for (const filter of ["proviso/v1/devices/+/state", `$share/evil/proviso/v1/devices/+/state`, "#"]) {
      const granted = await device.subscribeAsync(filter, { qos: 1 }).then(
        (g) => g[0]!.qos,
        (err: Error & { packet?: { granted?: number[] } }) => err.packet?.granted?.[0],
      );
      expect(granted, filter).toBe(135);
    }
    await wait(300);
    expect(got).toEqual([`proviso/v1/devices/${a.deviceId}/state mine`]);
  });

  it("takes a revoked credential away at once: its connection ends and it cannot connect again; a rotated pair both work meanwhile", async () => {
    const old = newDevice();
    const rotated = { ...newDevice(), deviceId: old.deviceId };
    await admin.grantDevices([old, rotated]);
    // Both work during the grace period.
    expect(await refusal(url(), { clientId: rotated.keyId, username: rotated.keyId, password: rotated.secret })).toBe("connected");
    const before = await open({ clientId: old.keyId, username: old.keyId, password: old.secret });
    const closed = new Promise<void>((resolve) => before.once("close", () => resolve()));
    await admin.revoke([old.keyId]);
    await closed;
    expect(await refusal(url(), { clientId: old.keyId, username: old.keyId, password: old.secret })).toBe(135);
    expect(await admin.listClients()).not.toContain(old.keyId);
    expect(await admin.listClients()).toContain(rotated.keyId);
  });
});
