// The worker process: wires MQTT and HTTP ingest, the delivery loop, the snapshot cache, the
// scheduler and the HTTP port. The work itself lives in packages/pipeline and packages/core.
import { OUTBOX_WAITING } from "@proviso/domain";
import { signerFromSeed } from "@proviso/audit";
import { redactUrl } from "@proviso/config";
import { createTokenCipher } from "@proviso/core";
import { createDb, deviceShadow, outbox } from "@proviso/db";
import { DEFAULT_MAX_BATCH, DeliveryLoop, DiscoveryWatch, IngestBuffer, messageOf, MqttConsumer, ShadowCache, requestSyncBeside, sandboxEndpoints, type PartnerEndpoints } from "@proviso/pipeline";
import { WorldCache } from "@proviso/snapshot";
import { count, eq, inArray } from "drizzle-orm";
import os from "node:os";
import { env } from "./env";
import { createHeartbeatSink, HEARTBEAT_TOPIC } from "./heartbeats";
import { createWorkerHttp } from "./http";
import { createMetrics } from "./metrics";
import { startScheduler } from "./scheduler";

const STATE_TOPIC = "proviso/v1/devices/+/state";
const metrics = createMetrics();
const db = createDb(env.databaseUrl, { max: env.DATABASE_POOL_MAX ?? 6, applicationName: "proviso-worker" });
console.log(
  env.embeddedDatabase
    ? `database: embedded PGlite on ${redactUrl(env.databaseUrl)} (policy changes polled; churning tables vacuumed every 5 minutes)`
    : `database: PostgreSQL on ${redactUrl(env.databaseUrl)} (policy changes by LISTEN and polling)`,
);
const heartbeats = createHeartbeatSink(db.db, metrics);
// Audit checkpoints are signed with the configured Ed25519 key; without one, none are signed.
const signer = env.AUDIT_SIGNING_KEY ? signerFromSeed(env.AUDIT_SIGNING_KEY) : null;
if (!signer) console.warn("AUDIT_SIGNING_KEY is not set: audit checkpoints will not be signed");
const scheduler = startScheduler(db.db, {
  intervalMs: env.SCHEDULER_INTERVAL_SECONDS * 1000,
  signer,
  checkpointIntervalMs: env.AUDIT_CHECKPOINT_INTERVAL_SECONDS * 1000,
  // PGlite reports autovacuum on but runs none (packages/db/src/maintenance.ts).
  vacuumIntervalMs: env.embeddedDatabase ? 5 * 60_000 : null,
});

// Partner tokens are stored encrypted; without a key, AcceptGrant is refused and links use the
// tokens they were linked with.
const cipher = env.TOKEN_ENCRYPTION_KEY ? createTokenCipher(env.TOKEN_ENCRYPTION_KEY) : null;
const tokens = cipher
  ? { url: env.ALEXA_TOKEN_URL ?? `${env.urls.sandbox}/alexa/auth/o2/token`, clientId: env.ALEXA_CLIENT_ID, clientSecret: env.ALEXA_CLIENT_SECRET, cipher }
  : null;
let discovery: DiscoveryWatch | null = null;
const worlds = new WorldCache(
  db.db,
  500,
  (w, ms) => {
    metrics.snapshotReloads.inc({ how: w.origin === "loaded" ? "loaded" : "changes_applied" });
    // Changes are applied to the snapshot in place of a reload: only reloads are told.
    if (w.origin === "loaded") console.log(`policy snapshot loaded: ${w.devices.size} devices, ${w.linkById.size} active links (${ms} ms)`);
    // What partners may be told of a home's devices may have changed with it (only those homes',
    // when only their consents, links or devices did: a whole load or new terms name none).
    void discovery?.kick(w.changedHomes);
  },
  cipher,
);
// LISTEN where the server offers it (PostgreSQL); polling every 500 ms everywhere.
await worlds.start({ listenUrl: env.embeddedDatabase ? undefined : env.databaseUrl });

// What each device last sent each partner lives in its shadow row (minimum intervals hold across
// replicas and restarts); the buffer keeps a copy of the rows this worker wrote last.
let shadowsSeen = { hits: 0, misses: 0, conflicts: 0 };
const lanes = (env.DATABASE_POOL_MAX ?? 6) > 1 ? 2 : 1;
const ingest = new IngestBuffer({
  db: db.db,
  shadows: new ShadowCache(env.SHADOW_CACHE_DEVICES),
  lanes,
  world: () => worlds.current(),
  freshWorld: () => worlds.fresh(),
  onBatch: (r) => {
    const { hits, misses, conflicts } = ingest.shadows;
    metrics.shadowReads.inc({ source: "cached" }, hits - shadowsSeen.hits);
    metrics.shadowReads.inc({ source: "read" }, misses - shadowsSeen.misses);
    metrics.shadowConflicts.inc(conflicts - shadowsSeen.conflicts);
    shadowsSeen = { hits, misses, conflicts };
    metrics.reports.inc({ result: "accepted" }, r.accepted - r.unchanged);
    metrics.reports.inc({ result: "unchanged" }, r.unchanged);
    metrics.reports.inc({ result: "stale" }, r.stale);
    metrics.reports.inc({ result: "rejected" }, r.quarantined);
    for (const [outcome, n] of Object.entries(r.decisions)) metrics.decisions.inc({ outcome }, n);
    if (r.outbox) void delivery.kick();
  },
  onError: (err) => console.error(`ingest batch not committed, retrying: ${messageOf(err)}`),
});

// ─── MQTT: state reports (acknowledged after commit) and heartbeats ───────────────────────────
const group = env.MQTT_SHARED_GROUP;
const consumers: MqttConsumer[] = [];
let stopping = false;
function consume(topic: string, suffix: string, sessionExpirySeconds: number, onMessage: (m: { topic: string; payload: Buffer; ack(): void }) => void) {
  const connect = async () => {
    const consumer = new MqttConsumer({
      url: env.mqttUrl,
      // The same after a restart (host and port tell replicas apart), so the kept session is found again.
      clientId: `proviso-worker-${os.hostname()}-${env.WORKER_PORT}-${suffix}`,
      topic: group ? `$share/${group}/${topic}` : topic,
      protocolVersion: Number(env.MQTT_PROTOCOL_VERSION) as 4 | 5,
      // Reports are acknowledged once committed: room for every lane's batch being written and
      // the next one filling.
      receiveMaximum: 2 * lanes * DEFAULT_MAX_BATCH,
      sessionExpirySeconds,
    });
    consumer.on("message", onMessage);
    consumer.on("error", (err: Error) => console.error(`mqtt (${suffix}): ${err.message}`));
    consumer.on("close", () => {
      const i = consumers.indexOf(consumer);
      if (i >= 0) consumers.splice(i, 1);
      metrics.mqttConnected.set(consumers.some((c) => c.connected) ? 1 : 0);
      if (!stopping) setTimeout(() => void connect(), 1_000);
    });
    try {
      await consumer.connect();
      consumers.push(consumer);
      metrics.mqttConnected.set(1);
      console.log(`subscribed to ${group ? `$share/${group}/` : ""}${topic} on ${redactUrl(env.mqttUrl)}`);
    } catch (err) {
      console.error(`mqtt (${suffix}): ${(err as Error).message}; retrying`);
      if (!stopping) setTimeout(() => void connect(), 1_000);
    }
  };
  void connect();
}
// Reports keep a session (mqtt-consumer.ts: what a crashed worker had not committed comes back to
// it); heartbeats do not need one.
consume(STATE_TOPIC, "state", env.MQTT_SESSION_EXPIRY_SECONDS, (m) => void ingest.submit(m.payload, "mqtt", m.topic).then(() => m.ack()));
consume(HEARTBEAT_TOPIC, "heartbeat", 0, (m) => {
  heartbeats.accept(m.topic);
  m.ack();
});

// ─── Delivery ─────────────────────────────────────────────────────────────────────────────────
const sandbox = sandboxEndpoints(env.urls.sandbox, env.WEBHOOK_SECRET);
const endpoints: PartnerEndpoints = {
  alexaEvents: env.ALEXA_EVENTS_URL ?? sandbox.alexaEvents,
  googleReportState: env.GOOGLE_REPORT_STATE_URL ?? sandbox.googleReportState,
  // Home Graph's other call, beside Report State unless given (env.ts refuses a setting it cannot derive).
  googleRequestSync:
    env.GOOGLE_REQUEST_SYNC_URL ?? (env.GOOGLE_REPORT_STATE_URL ? requestSyncBeside(env.GOOGLE_REPORT_STATE_URL)! : sandbox.googleRequestSync),
  webhookBase: env.WEBHOOK_BASE_URL ?? sandbox.webhookBase,
  webhookSecret: env.WEBHOOK_SECRET,
};
// Kicked after every batch that queued messages, and every DELIVERY_INTERVAL_MS for retries coming due.
const delivery = new DeliveryLoop({
  db: db.db,
  world: () => worlds.current(),
  freshWorld: () => worlds.fresh(),
  endpoints,
  tokens,
  intervalMs: env.DELIVERY_INTERVAL_MS,
  platformRequestsPerMinute: { google: env.GOOGLE_REQUESTS_PER_MINUTE || null },
  onDelivered: (ms, partner) => metrics.deliveryLatency.observe({ partner }, ms / 1000),
  onPartnerError: (partner, status) => metrics.partnerErrors.inc({ partner, status: String(status ?? "none") }),
  onRound: (r) => {
    for (const k of ["delivered", "retried", "dead", "cancelled", "revoked"] as const) if (r[k]) metrics.delivered.inc({ result: k }, r[k]);
    if (r.deferred) metrics.deferred.inc(r.deferred);
  },
  onError: (err) => console.error(`delivery: ${err.message}`),
});
delivery.start();
// Partners told when what they may be told of a home's devices changes (discovery.ts): after every
// snapshot reload and every minute (a certification running out changes it with no write).
discovery = new DiscoveryWatch({
  db: db.db,
  world: () => worlds.current(),
  onQueued: (n) => {
    metrics.discoveryQueued.inc(n);
    void delivery.kick();
  },
  onError: (err) => console.error(`discovery: ${err.message}`),
});
discovery.start();
const connectivityTimer = setInterval(() => {
  void ingest
    .checkConnectivity(env.DEVICE_UNREACHABLE_SECONDS * 1000)
    .then(() => db.db.select({ n: count() }).from(deviceShadow).where(eq(deviceShadow.reachable, false)))
    .then(([r]) => metrics.devicesUnreachable.set(r?.n ?? 0))
    .catch((err: Error) => console.error(`connectivity: ${err.message}`));
}, 10_000);
const depthTimer = setInterval(() => {
  void db.db
    .select({ n: count() })
    .from(outbox)
    .where(inArray(outbox.status, [...OUTBOX_WAITING]))
    .then(([r]) => metrics.outboxDepth.set(r?.n ?? 0))
    .catch(() => {});
}, 2_000);

// ─── HTTP ─────────────────────────────────────────────────────────────────────────────────────
const server = createWorkerHttp({ db, mqttConnected: () => consumers.some((c) => c.connected), metrics, ingest, world: () => worlds.current(), tokens });
server.on("error", (err) => {
  console.error(`the worker could not listen on port ${env.WORKER_PORT}: ${err.message}`);
  process.exit(2);
});
server.listen(env.WORKER_PORT, "127.0.0.1", () =>
  console.log(`worker listening on http://localhost:${env.WORKER_PORT} (POST /v1/state-reports, /v1/heartbeats, /v1/partners/…; GET /v1/schemas/state-report.json, /healthz, /metrics)`),
);

async function stop() {
  if (stopping) return;
  stopping = true;
  server.close();
  clearInterval(depthTimer);
  clearInterval(connectivityTimer);
  // No more reports (the broker sends nothing after it confirms), commit and acknowledge those that
  // came, then end the sessions: nothing is left for the broker to keep for this worker.
  await Promise.all(consumers.map((c) => c.unsubscribe()));
  await ingest.stop();
  await Promise.all(consumers.map((c) => c.close()));
  await discovery?.stop();
  await delivery.stop();
  await heartbeats.stop();
  await scheduler.stop();
  worlds.stop();
  await db.close();
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
process.on("disconnect", stop);
