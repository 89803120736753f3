// The worker as a function: `startWorker(config)` starts every subsystem — the snapshot, the
// scheduler, ingest (MQTT and HTTP), delivery, discovery, connectivity — each pushing its release
// onto a list, and returns `{ stop, promise, events, port }`. The stages talk through `events`
// (events.ts), not through callbacks wired by the caller. `apps/worker` reads the environment,
// calls this and wires signals.
import type { Keyring, Signer, TimestampAuthority, Witness } from "@proviso/audit";
import { redactUrl, withCredentials } from "@proviso/config";
import type { TokenCipher } from "@proviso/core";
import { APP_ROLE, createDb, deviceShadow, outbox } from "@proviso/db";
import { OUTBOX_WAITING } from "@proviso/domain";
import type { Adapters } from "@proviso/partners";
import { WorldCache } from "@proviso/snapshot";
import { count, eq, inArray } from "drizzle-orm";
import type { AddressInfo } from "node:net";
import { DeliveryLoop } from "./delivery/loop";
import { DiscoveryWatch } from "./discovery/watch";
import { WorkerEvents } from "./events";
import { createWorkerHttp } from "./http/server";
import { DEFAULT_MAX_BATCH, IngestBuffer } from "./ingest/buffer";
import { createHeartbeatSink, HEARTBEAT_TOPIC } from "./ingest/heartbeats";
import { ShadowCache } from "./ingest/shadow-cache";
import { countEvents, createMetrics } from "./metrics";
import { BrokerAccessKeeper } from "./mqtt/broker-access";
import { Subscriptions } from "./mqtt/subscriptions";
import { startScheduler } from "./scheduler";
import { notifyDeletions } from "./deletion/notify";
import { RoundRunner } from "./lib/round-runner";

export const STATE_TOPIC = "proviso/v1/devices/+/state";

export interface WorkerConfig {
  databaseUrl: string;
  /** The embedded database (PGlite): polled for policy changes, vacuumed by the worker. On PostgreSQL every session runs as APP_ROLE. */
  embeddedDatabase: boolean;
  /** Connections the worker's pool may hold; with more than one, ingest writes two lanes at once. */
  poolMax: number;
  mqtt: {
    url: string;
    /** Distinguishes this replica's client ids (host and port, stable across restarts). */
    clientIdBase: string;
    /** Replicas in one group split the reports between them; empty for none. */
    sharedGroup: string;
    protocolVersion: 4 | 5;
    sessionExpirySeconds: number;
    /** The worker's own client on the broker (null: a broker without authentication). */
    credentials: { username: string; password: string } | null;
    /** The broker's dynamic-security admin: the worker's client made, revoked device clients taken away (null: not this worker's job). */
    admin: { username: string; password: string } | null;
  };
  http: { host: string; port: number };
  adapters: Adapters;
  /** Seals partner tokens at rest; null: grants are refused. */
  cipher: TokenCipher | null;
  /** Signs audit checkpoints; null: none are signed. */
  signer: Signer | null;
  /** The keys verification trusts (the signer's and the retired ones). */
  trusted: Keyring;
  /** RFC 3161 Time-Stamp Authorities that stamp every checkpoint (none: not stamped). */
  timestampAuthorities: readonly TimestampAuthority[];
  /** Witnesses that hold every checkpoint outside the database (none: only the database has them). */
  witnesses: readonly Witness[];
  schedulerIntervalMs: number;
  checkpointIntervalMs: number;
  /** How often the audit chain is verified from the last checkpoint found good (null: not on a schedule). */
  verifyIntervalMs: number | null;
  /** How often the scheduled verification is a whole one (null: never). */
  wholeVerifyIntervalMs: number | null;
  deliveryIntervalMs: number;
  /** A device silent this long becomes unreachable. */
  unreachableMs: number;
  shadowCacheDevices: number;
  /** Where the worker says what happens; given, the caller can listen from the very start. */
  events?: WorkerEvents;
}

export interface RunningWorker {
  events: WorkerEvents;
  /** The HTTP port it listens on (the one configured, or the one given for port 0). */
  port: number;
  /** Stops every subsystem in the reverse order of their start; resolves when all have stopped. */
  stop(): Promise<void>;
  /** Resolves once stopped. */
  promise: Promise<void>;
}

export async function startWorker(config: WorkerConfig): Promise<RunningWorker> {
  const events = config.events ?? new WorkerEvents();
  const releases: (() => Promise<void> | void)[] = [];
  const started = <T>(value: T, release: () => Promise<void> | void): T => (releases.push(release), value);
  let stopped!: () => void;
  const promise = new Promise<void>((resolve) => (stopped = resolve));
  const stop = async () => {
    while (releases.length) await releases.pop()!();
    stopped();
  };
  let port: number;
  try {
    port = await startSubsystems(config, events, started);
  } catch (err) {
    await stop();
    throw err;
  }
  let stopping: Promise<void> | null = null;
  return { events, port, promise, stop: () => (stopping ??= stop()) };
}

type Started = <T>(value: T, release: () => Promise<void> | void) => T;

/** What the subsystems share as they start: the configuration, the events, the database, the metrics. */
interface Shared {
  config: WorkerConfig;
  events: WorkerEvents;
  started: Started;
  db: ReturnType<typeof createDb>;
  metrics: ReturnType<typeof createMetrics>;
  worlds: WorldCache;
  warn: (subsystem: string) => (err: Error) => void;
}

/** Starts each subsystem in order, registering its release; resolves with the HTTP port. */
async function startSubsystems(config: WorkerConfig, events: WorkerEvents, started: Started): Promise<number> {
  // On PostgreSQL as the app role: history (consents, the audit log, decisions) can be added to, never changed.
  const db = createDb(config.databaseUrl, { max: config.poolMax, applicationName: "proviso-worker", role: config.embeddedDatabase ? null : APP_ROLE });
  started(db, () => db.close());
  events.emit("info", `database: ${config.embeddedDatabase ? "embedded PGlite" : "PostgreSQL"} on ${redactUrl(config.databaseUrl)}`);
  // The snapshot: changes applied as they are logged, told by LISTEN on PostgreSQL, polled everywhere.
  const worlds = new WorldCache(db.db, 500, (w, ms) => events.emit("snapshot.updated", w, ms), config.cipher);
  await worlds.start({ listenUrl: config.embeddedDatabase ? undefined : config.databaseUrl });
  started(worlds, () => worlds.stop());
  const s: Shared = { config, events, started, db, metrics: createMetrics(), worlds, warn: (subsystem) => (err) => events.emit("warning", subsystem, err) };
  startBackground(s);
  const { ingest, heartbeats, lanes } = startIngest(s);
  startDelivery(s);
  startGauges(s, ingest);
  startBrokerAccess(s);
  const subscriptions = startMqtt(s, ingest, heartbeats, lanes);
  return startHttp(s, ingest, subscriptions);
}

/** The scheduler (activations, alerts, checkpoints, background jobs). */
function startBackground({ config, db, events, metrics, started }: Shared) {
  const scheduler = startScheduler(db.db, {
    intervalMs: config.schedulerIntervalMs,
    signer: config.signer,
    trusted: config.trusted,
    timestampAuthorities: config.timestampAuthorities,
    witnesses: config.witnesses,
    onIntegrityFailure: (what) => metrics.integrity.inc({ what }),
    verifyIntervalMs: config.verifyIntervalMs,
    wholeVerifyIntervalMs: config.wholeVerifyIntervalMs,
    checkpointIntervalMs: config.checkpointIntervalMs,
    // PGlite reports autovacuum on but runs none (packages/db/src/maintenance.ts).
    vacuumIntervalMs: config.embeddedDatabase ? 5 * 60_000 : null,
    info: (m) => events.emit("info", m),
    warn: (sub, e) => events.emit("warning", sub, e),
  });
  started(scheduler, () => scheduler.stop());
}

/** Ingest: batches committed in lanes; what each device last sent each partner lives in its shadow row. */
function startIngest({ config, db, events, metrics, worlds, warn, started }: Shared) {
  const heartbeats = createHeartbeatSink(db.db, metrics, { onError: warn("heartbeats") });
  started(heartbeats, () => heartbeats.stop());
  const lanes = config.poolMax > 1 ? 2 : 1;
  const shadows = new ShadowCache(config.shadowCacheDevices);
  const ingest = new IngestBuffer({
    db: db.db,
    adapters: config.adapters,
    shadows,
    lanes,
    world: () => worlds.current(),
    freshWorld: () => worlds.fresh(),
    onBatch: (r) => {
      events.emit("ingest.committed", r);
      if (r.outbox) events.emit("outbox.queued", r.outbox);
    },
    onError: (err) => events.emit("ingest.failed", err),
  });
  started(ingest, () => ingest.stop());
  countEvents(metrics, events, shadows);
  return { ingest, heartbeats, lanes };
}

/**
 * Delivery, woken when messages are queued (and every deliveryIntervalMs for retries coming due);
 * discovery, told when the snapshot moves (only those homes' links when only their consents,
 * links or devices did).
 */
function startDelivery({ config, db, events, worlds, warn, started }: Shared) {
  const delivery = new DeliveryLoop({
    db: db.db,
    adapters: config.adapters,
    world: () => worlds.current(),
    freshWorld: () => worlds.fresh(),
    cipher: config.cipher,
    intervalMs: config.deliveryIntervalMs,
    onDelivered: (ms, partner) => events.emit("delivery.delivered", partner, ms),
    onPartnerError: (partner, status) => events.emit("delivery.partner_error", partner, status),
    onRound: (r) => events.emit("delivery.round", r),
    onError: warn("delivery"),
  });
  delivery.start();
  started(delivery, () => delivery.stop());
  events.on("outbox.queued", () => void delivery.kick());
  const discovery = new DiscoveryWatch({
    db: db.db,
    adapters: config.adapters,
    world: () => worlds.current(),
    onQueued: (n) => {
      events.emit("discovery.queued", n);
      events.emit("outbox.queued", n);
    },
    onError: warn("discovery"),
  });
  discovery.start();
  started(discovery, () => discovery.stop());
  events.on("snapshot.updated", (w) => void discovery.kick(w.origin === "loaded" ? undefined : w.changedHomes));
  // Unlinks' deletion requests, told to the platforms (a link change moves the snapshot: kick then).
  const deletions = new RoundRunner(
    async () => {
      const r = await notifyDeletions({ db: db.db, adapters: config.adapters, cipher: config.cipher });
      if (r.sent + r.failed + r.noChannel)
        events.emit("info", `deletion requests: ${r.sent} sent, ${r.failed} to retry, ${r.noChannel} to be confirmed by the partner`);
      return r.sent + r.failed + r.noChannel === 50;
    },
    5_000,
    warn("deletion"),
  );
  deletions.start();
  started(deletions, () => deletions.stop());
  events.on("snapshot.updated", () => void deletions.kick());
}

/**
 * MQTT: reports acknowledged after their commit, in a session kept across restarts (consumer.ts:
 * what a crashed worker had not committed comes back to it); heartbeats need no session.
 */
function startMqtt({ config, events, metrics, started }: Shared, ingest: IngestBuffer, heartbeats: ReturnType<typeof createHeartbeatSink>, lanes: number) {
  const subscriptions = new Subscriptions(events);
  const share = (topic: string) => (config.mqtt.sharedGroup ? `$share/${config.mqtt.sharedGroup}/${topic}` : topic);
  const common = {
    url: withCredentials(config.mqtt.url, config.mqtt.credentials),
    protocolVersion: config.mqtt.protocolVersion,
    receiveMaximum: 2 * lanes * DEFAULT_MAX_BATCH,
  };
  subscriptions.add({
    ...common,
    clientId: `${config.mqtt.clientIdBase}-state`,
    topic: share(STATE_TOPIC),
    sessionExpirySeconds: config.mqtt.sessionExpirySeconds,
    onMessage: (m) => void ingest.submit(m.payload, "mqtt", m.topic).then(() => m.ack()),
  });
  subscriptions.add({
    ...common,
    clientId: `${config.mqtt.clientIdBase}-heartbeat`,
    topic: share(HEARTBEAT_TOPIC),
    sessionExpirySeconds: 0,
    onMessage: (m) => {
      heartbeats.accept(m.topic);
      m.ack();
    },
  });
  // Stopping: no more reports, commit and acknowledge those that came, then end the sessions.
  started(subscriptions, async () => {
    await subscriptions.unsubscribe();
    await ingest.stop();
    await subscriptions.close();
  });
  events.on("warning", (sub) => sub.startsWith("mqtt") && metrics.mqttConnected.set(subscriptions.connected ? 1 : 0));
  events.on("info", (m) => m.startsWith("subscribed") && metrics.mqttConnected.set(1));
  return subscriptions;
}

/** The broker's access kept in step with the database (the worker's client first: its subscriptions retry until it exists). */
function startBrokerAccess({ config, db, events, warn, started }: Shared) {
  if (!config.mqtt.admin) return;
  const keeper = new BrokerAccessKeeper({
    db: db.db,
    url: config.mqtt.url,
    admin: config.mqtt.admin,
    worker: config.mqtt.credentials,
    onError: warn("mqtt access"),
    info: (m) => events.emit("info", m),
  });
  keeper.start();
  started(keeper, () => keeper.stop());
}

/** HTTP: device batches and heartbeats, partners' requests, the schema, health and metrics. */
async function startHttp({ config, db, metrics, worlds, started }: Shared, ingest: IngestBuffer, subscriptions: Subscriptions): Promise<number> {
  const server = createWorkerHttp({
    db,
    mqttConnected: () => subscriptions.connected,
    metrics,
    ingest,
    partners: { world: () => worlds.current(), fresh: () => worlds.fresh(), adapters: config.adapters, cipher: config.cipher },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) => reject(new Error(`the worker could not listen on port ${config.http.port}: ${err.message}`)));
    server.listen(config.http.port, config.http.host, resolve);
  });
  started(server, () => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as AddressInfo).port;
}

/** The gauges read from the database: unreachable devices (after each connectivity check) and the outbox's depth. */
function startGauges({ config, db: handle, metrics, warn, started }: Shared, ingest: IngestBuffer) {
  const db = handle.db;
  const unreachableMs = config.unreachableMs;
  const connectivity = setInterval(() => {
    void ingest
      .checkConnectivity(unreachableMs)
      .then(() => db.select({ n: count() }).from(deviceShadow).where(eq(deviceShadow.reachable, false)))
      .then(([r]) => metrics.devicesUnreachable.set(r?.n ?? 0))
      .catch(warn("connectivity"));
  }, 10_000);
  const depth = setInterval(() => {
    void db
      .select({ n: count() })
      .from(outbox)
      .where(inArray(outbox.status, [...OUTBOX_WAITING]))
      .then(([r]) => metrics.outboxDepth.set(r?.n ?? 0))
      .catch(() => {});
  }, 2_000);
  started(null, () => {
    clearInterval(connectivity);
    clearInterval(depth);
  });
}
