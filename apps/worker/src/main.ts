// The worker process: wires the MQTT subscription, the heartbeat sink and the HTTP port. State
// sync and enforcement arrive with their issue; the loops live in packages, not here. The
// scheduler activates and expires agreement versions on their dates.
import { redactUrl } from "@proviso/config";
import { createDb } from "@proviso/db";
import mqtt from "mqtt";
import { env } from "./env";
import { createHeartbeatSink, HEARTBEAT_TOPIC } from "./heartbeats";
import { createWorkerHttp } from "./http";
import { createMetrics } from "./metrics";
import { startScheduler } from "./scheduler";

const metrics = createMetrics();
const db = createDb(env.databaseUrl, { max: 4, applicationName: "proviso-worker" });
const heartbeats = createHeartbeatSink(db.db, metrics);
const scheduler = startScheduler(db.db, { intervalMs: env.SCHEDULER_INTERVAL_SECONDS * 1000 });

const client = mqtt.connect(env.mqttUrl, {
  clientId: `proviso-worker-${process.pid}`,
  reconnectPeriod: 1_000,
  connectTimeout: 10_000,
});
client.on("connect", () => {
  metrics.mqttConnected.set(1);
  client.subscribe(HEARTBEAT_TOPIC, { qos: 1 }, (err) => {
    if (err) console.error(`could not subscribe to ${HEARTBEAT_TOPIC}: ${err.message}`);
    else console.log(`subscribed to ${HEARTBEAT_TOPIC} on ${redactUrl(env.mqttUrl)}`);
  });
});
client.on("close", () => metrics.mqttConnected.set(0));
client.on("error", (err) => console.error(`mqtt: ${err.message}`));
client.on("message", (topic) => heartbeats.accept(topic));

const server = createWorkerHttp({ db, mqtt: client, metrics });
server.on("error", (err) => {
  console.error(`the worker could not listen on port ${env.WORKER_PORT}: ${err.message}`);
  process.exit(2);
});
server.listen(env.WORKER_PORT, "127.0.0.1", () =>
  console.log(`worker listening on http://localhost:${env.WORKER_PORT} (/healthz, /metrics)`),
);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  server.close();
  await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
  await heartbeats.stop();
  await scheduler.stop();
  await db.close();
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
process.on("disconnect", stop);
