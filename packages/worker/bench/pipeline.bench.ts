// `npm run bench:pipeline`: for 100,000 simulated changes, the rate from ingest to committed outbox
// (through the worker's IngestBuffer: parsing, validation, shadow, decisions, outbox, one
// transaction per batch, lanes as the worker runs them) on the embedded database and,
// when DATABASE_URL is set, on PostgreSQL; in the same run, a plain multi-row INSERT of the same
// state-event rows (the floor) and the ratio; the CPU each change costs the worker and the
// database, and so the most this machine's cores could do; and delivery latency p50 / p99 at a
// steady rate of changes per second through the worker's delivery loop to the partner sandbox. First, once,
// a warm-up (BENCH_WARMUP changes on a database of their own, not measured), so the figures are
// those of a running worker's code rather than of V8 compiling it.
import { deviceIdOfTopic, MAX_REPORTS_PER_REQUEST } from "@proviso/domain";
import { authenticateBearer, createTokenCipher, generateTokenKey, issueIngestClient, rotateSigningSecret } from "@proviso/core";
import { consents, type Database } from "@proviso/db";
import type { Backend, TestDatabase } from "@proviso/db/testing";
import { createSandbox } from "@proviso/sandbox";
import { seed } from "@proviso/seed";
import type { AddressInfo } from "node:net";
import os from "node:os";
import { createAdapters } from "@proviso/partners";
import { DeliveryLoop } from "../src/delivery/loop";
import { scopeOf } from "../src/http/server";
import { DEFAULT_MAX_BATCH, IngestBuffer } from "../src/ingest/buffer";
import { ingestReports } from "../src/ingest/ingest";
import type { IncomingReport } from "../src/ingest/types";
import { ShadowCache } from "../src/ingest/shadow-cache";
import { parseStateReport } from "../src/ingest/validate";
import { loadWorld, type World } from "@proviso/snapshot";
import { benchBackends, benchDatabase } from "./databases";
import { cpuMeter, gcMeter, startProfile } from "./meters";

const CHANGES = Number(process.env.BENCH_CHANGES ?? 100_000);
const HOMES = Number(process.env.BENCH_HOMES ?? 2_000);
const BATCH = Number(process.env.BENCH_BATCH ?? DEFAULT_MAX_BATCH);
const STEADY_RATE = Number(process.env.BENCH_STEADY_RATE ?? 2_000);
const LANES = Number(process.env.BENCH_LANES ?? 2);
const WINDOW = process.env.BENCH_WINDOW ? Number(process.env.BENCH_WINDOW) : undefined;
const STEADY_SECONDS = Number(process.env.BENCH_STEADY_SECONDS ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 30_000);
/** The sandbox plays every platform; Google's published quota lifted, so latency measures the pipeline. */
const adaptersFor = (sandboxBase: string) => createAdapters({ GOOGLE_REQUESTS_PER_MINUTE: "0" }, sandboxBase);
const INGEST_ADAPTERS = adaptersFor("http://127.0.0.1:9");
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

/** A report as a device publishes it: on its own topic. */
interface Published {
  topic: string;
  raw: string;
}

/** `count` reports round the fleet; sequence numbers per device start above `seqBase`. */
function makeReports(world: World, count: number, start: number, seqBase = 0): Published[] {
  const ids = [...world.devices.values()];
  const seqs = new Map<string, number>();
  const out: Published[] = [];
  let t = start;
  for (let i = 0; i < count; i++) {
    const d = ids[(i * 7919) % ids.length]!;
    const seq = (seqs.get(d.deviceId) ?? seqBase) + 1;
    seqs.set(d.deviceId, seq);
    t += 5;
    const v = (i % 200) / 10;
    const properties =
      d.kind === "thermostat"
        ? { temperature: 15 + v, heatingSetpoint: 18 + (i % 5) }
        : d.kind === "sensor"
          ? { temperature: 14 + v, occupancy: i % 2 === 0 }
          : { lockState: i % 2 ? "locked" : "unlocked" };
    out.push({
      topic: `proviso/v1/devices/${d.deviceId}/state`,
      raw: JSON.stringify({ v: 1, deviceId: d.deviceId, seq, observedAt: new Date(t).toISOString(), cause: "physical", properties }),
    });
  }
  return out;
}

async function prepare(backend: Backend) {
  const t = await benchDatabase(backend);
  await seed(t.db, { homes: HOMES, now: new Date("2026-11-24T00:00:00Z") });
  // Make sharing common: every linked home lets every partner follow changes where terms allow.
  await t.pool.query(`
    insert into consents (home_id, partner_id, category_key, mode, version)
    select l.home_id, l.partner_id, c.key, 'proactive', 100 from partner_links l cross join data_categories c`);
  // The agreements' rate-limit clauses (600–6,000 messages a minute) would hold most of a steady
  // 2,000 changes/s back on purpose; lifted here (and Google's quota in the delivery loop below), so
  // latency measures the pipeline, not the contracts.
  await t.pool.query(`update agreement_clauses set terms = jsonb_set(terms, '{maxPerMinute}', '1000000') where kind = 'rate_limit'`);
  void consents;
  return t;
}

/**
 * `count` reports as devices would send them, made before the clock starts: making them is the
 * devices' work, not the worker's (≈ 1 µs a report, which the worker's CPU per change counted).
 */
const reportsFor = (world: World, count: number) => makeReports(world, count, Date.now() - count * 5 - 60_000);

/**
 * Reports through the worker's own buffer: parsed as they come, batched per lane
 * (PostgreSQL only: the embedded server takes one connection), committed, then acknowledged. At
 * most WINDOW reports are unacknowledged at once, as a broker's receive maximum would allow.
 * Returns the messages queued.
 */
async function ingestThroughBuffer(t: TestDatabase, world: World, raws: readonly Published[], bearer: string | null = null): Promise<number> {
  let outbox = 0;
  const buffer = new IngestBuffer({
    db: t.db,
    adapters: INGEST_ADAPTERS,
    world: () => world,
    lanes: t.backend === "postgres" ? LANES : 1,
    maxBatch: BATCH,
    maxWaitMs: 5,
    onBatch: (r) => (outbox += r.outbox),
  });
  const window = WINDOW ?? BATCH * (t.backend === "postgres" ? LANES : 1) * 2;
  // Acknowledged as a broker client does (PUBACK, then nothing is kept): holding every report's
  // promise to the end kept 100,000 of them alive for the collector to mark, which the worker
  // never does.
  let acked = 0;
  const ack = () => void acked++;
  // With a bearer, as HTTP batches from an ingest client: its token checked for every request of
  // MAX_REPORTS_PER_REQUEST reports, and each report held to the devices it may speak for.
  let may: ((deviceId: string) => boolean) | undefined;
  for (let i = 0; i < raws.length; i += 100) {
    while (buffer.pending >= window) await new Promise((r) => setTimeout(r, 1));
    if (bearer && i % MAX_REPORTS_PER_REQUEST === 0) {
      const speaker = await authenticateBearer(t.db, bearer);
      if ("refused" in speaker) throw new Error(speaker.refused);
      may = scopeOf(speaker, () => world);
    }
    for (const { raw, topic } of raws.slice(i, i + 100)) void buffer.submit(raw, bearer ? "http" : "mqtt", bearer ? undefined : topic, may).then(ack);
    await new Promise((r) => setImmediate(r));
  }
  await buffer.stop();
  await new Promise((r) => setImmediate(r));
  if (acked !== raws.length) throw new Error(`${raws.length - acked} of ${raws.length} reports were not acknowledged`);
  return outbox;
}

/**
 * The worker's code as it runs after its first seconds: WARMUP changes through the same path on a
 * database of their own (dropped after), so the measured run starts on a fresh fleet, as before,
 * but not on code V8 has yet to compile. Once per process: compiled code serves every backend.
 */
async function warmUp(backend: Backend) {
  if (WARMUP <= 0) return;
  const t = await prepare(backend);
  try {
    const world = await loadWorld(t.db);
    await ingestThroughBuffer(t, world, reportsFor(world, WARMUP));
  } finally {
    await t.drop();
  }
}

/** The same run as an ingest client scoped to every home would send it over HTTP: what authentication costs. */
async function authenticatedRate(backend: Backend): Promise<number> {
  const t = await prepare(backend);
  try {
    const world = await loadWorld(t.db);
    const homes = (await t.pool.query("select id from homes")).rows.map((r) => r.id as string);
    const { token } = await issueIngestClient(t.db, { name: "bench gateway", homeIds: homes });
    const raws = reportsFor(world, CHANGES);
    const t0 = performance.now();
    await ingestThroughBuffer(t, world, raws, `Bearer ${token}`);
    return CHANGES / ((performance.now() - t0) / 1000);
  } finally {
    await t.drop();
  }
}

async function throughput(t: TestDatabase) {
  const world = await loadWorld(t.db);
  const raws = reportsFor(world, CHANGES);
  const cpu = cpuMeter(t);
  const gc = gcMeter();
  const profile = await startProfile();
  const m0 = process.hrtime.bigint();
  const t0 = performance.now();
  const outbox = await ingestThroughBuffer(t, world, raws);
  const seconds = (performance.now() - t0) / 1000;
  const used = cpu();
  const collected = gc();
  await profile?.stop(`${t.backend}`);
  // For a profile of the whole machine (the database's side too): `perf record -k CLOCK_MONOTONIC
  // -a -g` around the bench, then `perf report --time <from>,<to>` with this window.
  if (process.env.BENCH_PRINT_WINDOW)
    console.log(`  (throughput run on CLOCK_MONOTONIC: ${(Number(m0) / 1e9).toFixed(6)},${(Number(process.hrtime.bigint()) / 1e9).toFixed(6)})`);
  const workerUs = (used.workerMs * 1000) / CHANGES;
  const loopUs = used.loopMs === null ? null : (used.loopMs * 1000) / CHANGES;
  const databaseUs = used.databaseMs === null ? null : (used.databaseMs * 1000) / CHANGES;
  const decisions = Number((await t.pool.query("select count(*) from decisions")).rows[0].count);

  // The floor: the same state-event rows with a plain multi-row INSERT, nothing else.
  await t.pool.query("create table bench_floor (like state_events including defaults)");
  const rows = (
    await t.pool.query("select device_id, home_id, seq, observed_at, received_at, cause, properties from state_events order by id limit $1", [CHANGES])
  ).rows;
  const f0 = performance.now();
  for (let i = 0; i < rows.length; i += BATCH) {
    const chunk = rows.slice(i, i + BATCH);
    const params: unknown[] = [];
    const values = chunk.map((r, k) => {
      params.push(r.device_id, r.home_id, r.seq, r.observed_at, r.received_at, r.cause, r.properties);
      const b = k * 7;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7})`;
    });
    await t.pool.query(`insert into bench_floor (device_id, home_id, seq, observed_at, received_at, cause, properties) values ${values.join(",")}`, params);
  }
  const floorSeconds = (performance.now() - f0) / 1000;
  return {
    rate: CHANGES / seconds,
    decisions,
    outbox,
    floorRate: rows.length / floorSeconds,
    floorRows: rows.length,
    workerUs,
    loopUs,
    databaseUs,
    gc: collected,
  };
}

/**
 * SmartThings granted callback access to every link (as installing its connector does): its
 * callback URLs and a token the sandbox knows, sealed as the worker seals them; and each webhook
 * partner a signing secret its receiver holds.
 */
async function grantCallbackAccess(t: TestDatabase, sandbox: ReturnType<typeof createSandbox>, base: string) {
  const cipher = createTokenCipher(generateTokenKey());
  const links = (await t.pool.query("select l.id from partner_links l join partners p on p.id = l.partner_id where p.adapter = 'smartthings'")).rows as {
    id: string;
  }[];
  const callbackUrls = JSON.stringify({ oauthToken: `${base}/smartthings/oauth/token`, stateCallback: `${base}/smartthings/callback` });
  for (const { id } of links) {
    const token = `bench-${id}`;
    sandbox.recorder.accessTokens.set(token, false);
    await t.pool.query("update partner_links set callback_urls = $2, access_token_enc = $3, refresh_token_enc = $3 where id = $1", [
      id,
      callbackUrls,
      cipher.encrypt(token, id),
    ]);
  }
  // Each webhook partner's signing secret, held by its receiver in the sandbox (which checks every signature).
  const hooks = (await t.pool.query("select id from partners where adapter = 'webhook'")).rows as { id: string }[];
  const held: Record<string, string[]> = {};
  for (const { id } of hooks) held[id] = [(await rotateSigningSecret(t.db, cipher, { partnerId: id })).secret];
  sandbox.options.webhookSecrets = held;
  return cipher;
}

async function steadyLatency(t: TestDatabase) {
  const sandbox = createSandbox();
  await new Promise<void>((r) => sandbox.server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(sandbox.server.address() as AddressInfo).port}`;
  // The fleet as it is after the throughput run: every device has a shadow, as in production, so
  // this measures the steady state, not every device being seen for the first time at once. The
  // throughput run's messages were never meant to be sent: they go.
  await t.pool.query("truncate outbox");
  const cipher = await grantCallbackAccess(t, sandbox, base);
  const world = await loadWorld(t.db, cipher);
  const total = STEADY_RATE * STEADY_SECONDS;
  const raws = makeReports(world, total, Date.now() - 60_000, 5_000);
  const since = new Date();
  const shadows = new ShadowCache();
  const db: Database = t.db;
  // Delivered as the worker delivers: its loop with its defaults, kicked after each batch that
  // queued messages and by its own timer.
  // Google's published quota (6,000 requests a minute) lifted like the clauses' limits: a steady
  // 2,000 changes/s sends Google more than that, and the bench measures the pipeline.
  const delivery = new DeliveryLoop({ db, world: () => world, adapters: adaptersFor(base), cipher });
  delivery.start();
  // Feed at a steady rate, in 50 ms slices.
  const slice = STEADY_RATE / 20;
  const cpu = cpuMeter(t);
  const start = performance.now();
  for (let i = 0, k = 0; i < total; i += slice, k++) {
    const due = start + k * 50;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const now = Date.now();
    const items: IncomingReport[] = raws.slice(i, i + slice).map(({ raw, topic }) => {
      const p = parseStateReport(raw, now, deviceIdOfTopic(topic));
      return p.ok ? { source: "mqtt", topic, raw, report: p.report } : { source: "mqtt", topic, raw, rejection: p.rejection };
    });
    if ((await ingestReports(t.db, { world, adapters: INGEST_ADAPTERS, reports: items, now: new Date(now), shadows })).outbox) void delivery.kick();
  }
  const fedSeconds = (performance.now() - start) / 1000;
  // The share of a core each side used meanwhile (the worker's side here also runs the sandbox).
  const used = cpu();
  const workerShare = used.workerMs / 1000 / fedSeconds;
  const databaseShare = used.databaseMs === null ? null : used.databaseMs / 1000 / fedSeconds;
  for (let i = 0; i < 200; i++) {
    const left = Number((await t.pool.query("select count(*) from outbox where status in ('pending','retrying')")).rows[0].count);
    if (left === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await delivery.stop();
  sandbox.server.close();
  const lat = (
    await t.pool.query(
      `select extract(epoch from (o.delivered_at - e.received_at)) * 1000 as ms
         from outbox o
        cross join lateral (select state_event_id from decision_sets s where s.id <= o.decision_id order by s.id desc limit 1) s
         join state_events e on e.id = s.state_event_id
        where o.status = 'delivered' and o.created_at >= $1 order by ms`,
      [since],
    )
  ).rows.map((r) => Number(r.ms));
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))] ?? NaN;
  return { fedRate: total / fedSeconds, delivered: lat.length, p50: pct(0.5), p99: pct(0.99), workerShare, databaseShare };
}

const backends = benchBackends();
if (process.env.DATABASE_URL) await (await import("@proviso/db/testing")).prepareTemplateDatabase();
console.log(`pipeline benchmark: ${fmt(CHANGES)} changes over ${fmt(HOMES)} homes, batches of ${fmt(BATCH)} (rate-limit clauses and Google's quota lifted)`);
if (WARMUP > 0 && backends.length) {
  console.log(
    `warm-up: ${fmt(WARMUP)} changes through the same code on a database of their own, not measured (a worker runs for days; BENCH_WARMUP=0 for none)`,
  );
  await warmUp(backends[0]!);
}
for (const backend of backends) {
  const t = await prepare(backend);
  try {
    const r = await throughput(t);
    console.log(`\n${backend === "embedded" ? "embedded (PGlite)" : "PostgreSQL"}`);
    console.log(`  ingest → committed outbox  ${fmt(r.rate)} changes/s  (${fmt(r.decisions)} decisions, ${fmt(r.outbox)} outbox messages)`);
    console.log(`  plain multi-row INSERT     ${fmt(r.floorRate)} rows/s  (${fmt(r.floorRows)} state-event rows)`);
    console.log(`  ratio                      the pipeline runs at ${((r.rate / r.floorRate) * 100).toFixed(0)}% of the floor`);
    const authed = await authenticatedRate(backend);
    const cost = (1 - authed / r.rate) * 100;
    console.log(
      `  with authentication        ${fmt(authed)} changes/s as an ingest client's HTTP batches (its bearer checked per ${fmt(MAX_REPORTS_PER_REQUEST)} reports, ` +
        `each report held to its homes): ${cost >= 0 ? `${cost.toFixed(1)} % less` : `${(-cost).toFixed(1)} % more (noise)`} (target: under 10 % less)`,
    );
    const total = r.databaseUs === null ? null : r.workerUs + r.databaseUs;
    console.log(
      `  CPU per change             worker ${r.workerUs.toFixed(1)} µs, database ${r.databaseUs === null ? "not measured (not on this machine)" : `${r.databaseUs.toFixed(1)} µs`}` +
        (total === null
          ? ""
          : `; ${total.toFixed(0)} µs in all, where ${os.availableParallelism()} cores allow ${fmt((os.availableParallelism() * 1e6) / total)} changes/s at most`),
    );
    // The worker decides on one thread: its event loop's share is a ceiling of its own.
    if (r.loopUs !== null)
      console.log(`  worker's event loop        ${r.loopUs.toFixed(1)} µs per change (one thread: ${fmt(1e6 / r.loopUs)} changes/s at most)`);
    console.log(
      `  garbage collection         ${r.gc.minor} scavenges (${fmt(r.gc.minorMs)} ms), ${r.gc.major} mark-compacts (${fmt(r.gc.majorMs)} ms) paused the event loop`,
    );
    const target = backend === "embedded" ? 5_000 : 30_000;
    console.log(`  target                     ≥ ${fmt(target)} changes/s: ${r.rate >= target ? "met" : "MISSED"}`);
    const s = await steadyLatency(t);
    console.log(
      `  steady ${fmt(STEADY_RATE)}/s for ${STEADY_SECONDS} s  fed at ${fmt(s.fedRate)}/s; ${fmt(s.delivered)} delivered; latency p50 ${s.p50.toFixed(0)} ms, p99 ${s.p99.toFixed(0)} ms (target p99 ≤ 100 ms: ${s.p99 <= 100 ? "met" : "MISSED"})`,
    );
    const share = (x: number) => `${Math.round(x * 100)} % of a core`;
    console.log(
      `  CPU while steady           worker and sandbox ${share(s.workerShare)}, database ${s.databaseShare === null ? "not measured" : share(s.databaseShare)}`,
    );
  } finally {
    await t.drop();
  }
}
