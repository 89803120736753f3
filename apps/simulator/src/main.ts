// The device simulator: loads the seeded fleet and publishes each device's heartbeat over MQTT,
// spread evenly across the heartbeat interval. State reports arrive with the worker issue.
import { loadRuntimeConfig, redactUrl } from "@proviso/config";
import { listFleet } from "@proviso/core";
import { createDb } from "@proviso/db";
import mqtt from "mqtt";

const env = loadRuntimeConfig(process.env);
const db = createDb(env.databaseUrl, { max: 1, applicationName: "proviso-simulator" });
const fleet = await listFleet(db.db);
await db.close();

const client = mqtt.connect(env.mqttUrl, { clientId: `proviso-simulator-${process.pid}`, reconnectPeriod: 1_000 });
client.on("error", (err) => console.error(`mqtt: ${err.message}`));
client.once("connect", () =>
  console.log(
    `simulating ${fleet.length} devices on ${redactUrl(env.mqttUrl)}: a heartbeat each every ${env.SIMULATOR_HEARTBEAT_SECONDS}s`,
  ),
);

let next = 0;
let owed = 0;
const tickMs = 100;
const perTick = (fleet.length * tickMs) / (env.SIMULATOR_HEARTBEAT_SECONDS * 1000);
const timer = setInterval(() => {
  if (!client.connected || fleet.length === 0) return;
  owed += perTick;
  for (; owed >= 1; owed--) {
    const device = fleet[next++ % fleet.length]!;
    client.publish(`proviso/v1/devices/${device.id}/heartbeat`, JSON.stringify({ at: new Date().toISOString() }), {
      qos: 1,
    });
  }
}, tickMs);

const stop = () => {
  clearInterval(timer);
  client.end(false, {}, () => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
process.on("disconnect", stop);
