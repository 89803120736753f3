// The device simulator: drives the seeded fleet. Each device first reports its whole state, then
// the fleet sends SIMULATOR_RATE state changes per second (over MQTT, or HTTP batches with
// SIMULATOR_TRANSPORT=http), and every device heartbeats every SIMULATOR_HEARTBEAT_SECONDS.
import { loadRuntimeConfig, redactUrl } from "@proviso/config";
import { createDb, deviceModels, devices } from "@proviso/db";
import { eq } from "drizzle-orm";
import mqtt from "mqtt";
import { initialState, step, type SimDevice } from "./behaviour";

const env = loadRuntimeConfig(process.env);
const transport = process.env.SIMULATOR_TRANSPORT === "http" ? "http" : "mqtt";
const db = createDb(env.databaseUrl, { max: 1, applicationName: "proviso-simulator" });
const rows = await db.db.select({ id: devices.id, kind: deviceModels.kind }).from(devices).innerJoin(deviceModels, eq(deviceModels.id, devices.modelId));
await db.close();

const random = Math.random;
// Sequence numbers only grow, also across restarts of the simulator.
const seqBase = Date.now() * 1000;
const fleet: SimDevice[] = rows.map((r) => ({ id: r.id, kind: r.kind, seq: seqBase, state: initialState(r.kind, random) }));

const client = mqtt.connect(env.mqttUrl, { clientId: `proviso-simulator-${process.pid}`, reconnectPeriod: 1_000 });
client.on("error", (err) => console.error(`mqtt: ${err.message}`));

function report(d: SimDevice, cause: string, properties: SimDevice["state"]) {
  d.seq++;
  return { v: 1, deviceId: d.id, seq: d.seq, observedAt: new Date().toISOString(), cause, properties };
}

let httpBatch: ReturnType<typeof report>[] = [];
function send(r: ReturnType<typeof report>) {
  if (transport === "http") httpBatch.push(r);
  else client.publish(`proviso/v1/devices/${r.deviceId}/state`, JSON.stringify(r), { qos: 1 });
}
async function flushHttp() {
  if (httpBatch.length === 0) return;
  const batch = httpBatch;
  httpBatch = [];
  await fetch(`${env.urls.worker}/v1/state-reports`, { method: "POST", body: JSON.stringify(batch), headers: { "content-type": "application/json" } }).catch(
    (err: Error) => console.error(`http: ${err.message}`),
  );
}

client.once("connect", () => {
  console.log(
    `simulating ${fleet.length} devices over ${transport === "http" ? env.urls.worker : redactUrl(env.mqttUrl)}: ` +
      `${env.SIMULATOR_RATE} changes/s, a heartbeat each every ${env.SIMULATOR_HEARTBEAT_SECONDS}s`,
  );
  for (const d of fleet) send(report(d, "periodic", { ...d.state }));
});

let owedChanges = 0;
let owedBeats = 0;
let nextBeat = 0;
const tickMs = 100;
const timer = setInterval(() => {
  if (!client.connected || fleet.length === 0) return;
  owedChanges += (env.SIMULATOR_RATE * tickMs) / 1000;
  for (; owedChanges >= 1; owedChanges--) {
    const d = fleet[Math.floor(random() * fleet.length)]!;
    const { cause, properties } = step(d, random);
    send(report(d, cause, properties));
  }
  owedBeats += (fleet.length * tickMs) / (env.SIMULATOR_HEARTBEAT_SECONDS * 1000);
  for (; owedBeats >= 1; owedBeats--) {
    const d = fleet[nextBeat++ % fleet.length]!;
    client.publish(`proviso/v1/devices/${d.id}/heartbeat`, JSON.stringify({ at: new Date().toISOString() }), { qos: 1 });
  }
  void flushHttp();
}, tickMs);

const stop = () => {
  clearInterval(timer);
  void flushHttp().finally(() => client.end(false, {}, () => process.exit(0)));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
process.on("disconnect", stop);
