// The worker process: the environment → startWorker → signals. What it runs lives in packages/worker.
import { keyringFromSettings, signerFromSettings, timestampAuthoritiesFromSettings, witnessesFromSettings } from "@proviso/audit";
import { createTokenCipher } from "@proviso/core";
import { startWorker, WorkerEvents } from "@proviso/worker";
import os from "node:os";
import { loadWorkerEnv } from "./env";

const env = loadWorkerEnv();
// The checkpoint signer: a key (AUDIT_SIGNING_KEY) or a remote signer (AUDIT_SIGNER_URL); none: no checkpoints.
const signer = signerFromSettings(env);
if (!env.AUDIT_SIGNING_KEY) console.warn("AUDIT_SIGNING_KEY is not set: audit checkpoints will not be signed");
if (!env.TOKEN_ENCRYPTION_KEY) console.warn("TOKEN_ENCRYPTION_KEY is not set: partner grants will be refused");
if (!env.MQTT_PASSWORD) console.warn("MQTT_PASSWORD is not set: the worker connects to the broker without credentials");

// Listened to from the start: what the worker says while it starts is logged too.
const events = new WorkerEvents();
events.on("info", (m) => console.log(m));
events.on("warning", (subsystem, err) => console.error(`${subsystem}: ${err.message}`));
events.on("ingest.failed", (err) => console.error(`ingest batch not committed, retrying: ${err.message}`));
events.on("snapshot.updated", (w, ms) => {
  if (w.origin === "loaded") console.log(`policy snapshot loaded: ${w.devices.size} devices, ${w.linkById.size} active links (${ms} ms)`);
});

const worker = await startWorker({
  events,
  databaseUrl: env.databaseUrl,
  embeddedDatabase: env.embeddedDatabase,
  poolMax: env.DATABASE_POOL_MAX ?? 6,
  mqtt: {
    url: env.mqttUrl,
    // The same after a restart (host and port tell replicas apart), so the kept session is found again.
    clientIdBase: `proviso-worker-${os.hostname()}-${env.WORKER_PORT}`,
    sharedGroup: env.MQTT_SHARED_GROUP,
    protocolVersion: Number(env.MQTT_PROTOCOL_VERSION) as 4 | 5,
    sessionExpirySeconds: env.MQTT_SESSION_EXPIRY_SECONDS,
    credentials: env.MQTT_PASSWORD ? { username: env.MQTT_USERNAME, password: env.MQTT_PASSWORD } : null,
    admin: env.MQTT_ADMIN_PASSWORD ? { username: env.MQTT_ADMIN_USERNAME, password: env.MQTT_ADMIN_PASSWORD } : null,
  },
  http: { host: "127.0.0.1", port: env.WORKER_PORT },
  adapters: env.adapters,
  cipher: env.TOKEN_ENCRYPTION_KEY ? createTokenCipher(env.TOKEN_ENCRYPTION_KEY) : null,
  signer,
  trusted: keyringFromSettings(env, signer),
  timestampAuthorities: timestampAuthoritiesFromSettings(env),
  witnesses: witnessesFromSettings(env),
  schedulerIntervalMs: env.SCHEDULER_INTERVAL_SECONDS * 1000,
  checkpointIntervalMs: env.AUDIT_CHECKPOINT_INTERVAL_SECONDS * 1000,
  verifyIntervalMs: env.AUDIT_VERIFY_INTERVAL_SECONDS ? env.AUDIT_VERIFY_INTERVAL_SECONDS * 1000 : null,
  wholeVerifyIntervalMs: env.AUDIT_WHOLE_VERIFY_INTERVAL_SECONDS ? env.AUDIT_WHOLE_VERIFY_INTERVAL_SECONDS * 1000 : null,
  deliveryIntervalMs: env.DELIVERY_INTERVAL_MS,
  unreachableMs: env.DEVICE_UNREACHABLE_SECONDS * 1000,
  shadowCacheDevices: env.SHADOW_CACHE_DEVICES,
}).catch((err: Error) => {
  console.error(err.message);
  process.exit(2);
});

console.log(
  `worker listening on http://localhost:${worker.port} (POST /v1/state-reports, /v1/heartbeats, /v1/partners/…; GET /v1/schemas/state-report.json, /healthz, /metrics)`,
);

const stop = () => void worker.stop().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
process.on("disconnect", stop);
