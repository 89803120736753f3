// The device simulator: drives the seeded fleet (behaviour.ts) and carries what it says to the
// worker (transport.ts). Each device first reports its whole state; then the fleet sends
// SIMULATOR_RATE state changes per second, every device heartbeats every
// SIMULATOR_HEARTBEAT_SECONDS, and devices drop off now and then (SIMULATOR_OUTAGES_PER_DAY).
// Over MQTT by default, or HTTP batches with SIMULATOR_TRANSPORT=http (which needs no broker).
// It speaks with the credentials the launcher issued the fleet (device-credentials.json in the
// data directory): each device its own over MQTT, the maker's cloud's ingest client over HTTP.
import { ConfigError, loadRuntimeConfig, redactUrl } from "@proviso/config";
import { createDb, deviceModels, devices } from "@proviso/db";
import { eq } from "drizzle-orm";
import fs from "node:fs";
import path from "node:path";
import { Simulation } from "./behaviour";
import { httpTransport, mqttTransport, type Transport, type TransportStats } from "./transport";

let env: ReturnType<typeof loadRuntimeConfig>;
try {
  env = loadRuntimeConfig(process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`simulator: ${err.message}`);
  process.exit(2);
}
const db = createDb(env.databaseUrl, { max: 1, applicationName: "proviso-simulator" });
const rows = await db.db
  .select({ id: devices.id, homeId: devices.homeId, kind: deviceModels.kind })
  .from(devices)
  .innerJoin(deviceModels, eq(deviceModels.id, devices.modelId))
  .orderBy(devices.id);
// Each device boots again: one past the boot the worker last heard from it (its counter starts over).
const heard = await db.pool.query<{ device_id: string; boot: number }>(
  `select s.device_id, coalesce(max((p.value->>'boot')::int), 0) as boot from device_shadow s cross join lateral json_each(s.properties) p group by s.device_id`,
);
const boots = new Map(heard.rows.map((r) => [r.device_id, Number(r.boot) + 1]));
await db.close();

interface Manifest {
  devices: { deviceId: string; keyId: string; secret: string }[];
  ingestClient: { token: string } | null;
}
const manifestFile = path.resolve(env.PROVISO_DATA_DIR, "device-credentials.json");
if (!fs.existsSync(manifestFile)) {
  console.error(`simulator: no device credentials at ${manifestFile} (npm start issues them): nothing can be sent`);
  process.exit(2);
}
const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as Manifest;
const logins = new Map(manifest.devices.map((c) => [c.deviceId, { keyId: c.keyId, secret: c.secret }]));
const without = rows.filter((r) => !logins.has(r.id)).length;
if (without) console.warn(`simulator: ${without} device(s) have no credential in ${manifestFile}: their reports are dropped`);

const sim = new Simulation(
  rows,
  {
    rate: env.SIMULATOR_RATE,
    heartbeatSeconds: env.SIMULATOR_HEARTBEAT_SECONDS,
    outagesPerDay: env.SIMULATOR_OUTAGES_PER_DAY,
    random: Math.random,
    boots,
  },
  Date.now(),
);

let greeted = false;
const greet = () => {
  if (greeted) return;
  greeted = true;
  console.log(
    `simulating ${sim.devices.length} devices in ${sim.homes.length} homes over ${transport.name === "http" ? `HTTP to ${env.urls.worker}` : `MQTT on ${redactUrl(env.mqttUrl)}`}: ` +
      `${env.SIMULATOR_RATE} changes/s, a heartbeat each every ${env.SIMULATOR_HEARTBEAT_SECONDS}s, ${env.SIMULATOR_OUTAGES_PER_DAY} outage(s) per device per day`,
  );
  transport.send(sim.hello(Date.now()));
};
const transport: Transport =
  env.SIMULATOR_TRANSPORT === "http" ? httpTransport(env.urls.worker, { token: manifest.ingestClient?.token }) : mqttTransport(env.mqttUrl, logins, greet);
if (transport.name === "http") greet();

// What happened, every few minutes, and a worker that cannot be reached as soon as it happens.
const SUMMARY_MS = 5 * 60_000;
let window = { wentOffline: 0, cameBack: 0 };
let previous: TransportStats = transport.stats();
let lastError: string | null = null;
const summary = setInterval(() => {
  const now = transport.stats();
  const rejected = Object.entries(now.rejected)
    .map(([code, n]) => [code, n - (previous.rejected[code] ?? 0)] as const)
    .filter(([, n]) => n > 0);
  console.log(
    `last ${SUMMARY_MS / 60_000} min: ${now.sent - previous.sent} reports taken` +
      (rejected.length ? ` (rejected: ${rejected.map(([c, n]) => `${c} ${n}`).join(", ")})` : "") +
      `, ${now.heartbeats - previous.heartbeats} heartbeats; ${window.wentOffline} devices dropped off, ${window.cameBack} came back, ${sim.offlineCount} offline now` +
      (now.dropped > previous.dropped ? `; ${now.dropped - previous.dropped} reports given up` : "") +
      (now.queued ? `; ${now.queued} waiting` : ""),
  );
  previous = now;
  window = { wentOffline: 0, cameBack: 0 };
}, SUMMARY_MS);

const TICK_MS = 100;
const timer = setInterval(() => {
  if (!greeted || !transport.ready()) return;
  const t = sim.tick(Date.now());
  window.wentOffline += t.wentOffline;
  window.cameBack += t.cameBack;
  transport.send(t.reports);
  transport.heartbeat(t.heartbeats);
  void transport.flush().then(() => {
    const error = transport.stats().lastError;
    if (error && error !== lastError) console.error(`could not deliver: ${error} (${transport.stats().queued} reports kept to send again)`);
    if (!error && lastError) console.log("delivering again");
    lastError = error;
  });
}, TICK_MS);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  clearInterval(timer);
  clearInterval(summary);
  void transport
    .flush()
    .then(() => transport.close())
    .finally(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
process.on("disconnect", stop);
