// The agreements' rate_limit clauses at delivery, on a real database with the partner sandbox:
// across the integration and about one home ("at most N updates a minute about your home", as
// the homeowner is told), each a token bucket in the database that every worker draws on; a
// message either holds back waits, deferred, and goes once its buckets have room.
import { createTokenCipher, generateTokenKey } from "@proviso/core";
import { createTestDatabase, type TestDatabase } from "@proviso/db/testing";
import { seed } from "@proviso/seed";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ingestReports } from "../ingest/ingest";
import { ShadowCache } from "../ingest/shadow-cache";
import { parseStateReport } from "../ingest/validate";
import { addConsent, LoopbackSandbox, sandboxAdapters, sandboxDelivery } from "../testing/support";
import type { IncomingReport } from "../ingest/types";
import { deliverDue } from "./deliver";
import { Allowance, forgetFullBuckets, limitsOf, reserveTokens } from "./rate-limits";
import { WorldCache } from "@proviso/snapshot";

const NOW = new Date("2026-11-24T12:00:00Z");
/** Google's TemperatureSetting is whole or nothing: the homes share all three of its categories. */
const THERMOSTAT_CATEGORIES = ["user.device.sensor.temperature", "user.device.sensor.setpoint", "user.device.sensor.hvac_mode"];
let t: TestDatabase;
let cache: WorldCache;
let base = "";
let clock = NOW.getTime();
const sandbox = new LoopbackSandbox(() => clock);
const shadows = new ShadowCache();
const cipher = createTokenCipher(generateTokenKey());
/** Two homes linked to Google, a thermostat in each. */
let homes: { homeId: string; thermostat: string }[] = [];
const seqs = new Map<string, number>();

/**
 * A temperature change of `deviceId` (its whole thermostat state the first time), observed a
 * minute after the last (clause 2.1's minimum interval is 60 s).
 */
function change(deviceId: string) {
  clock += 61_000;
  const first = !seqs.has(deviceId);
  const seq = (seqs.get(deviceId) ?? 1_000) + 1;
  seqs.set(deviceId, seq);
  const properties = { temperature: 15 + (seq % 10), ...(first ? { heatingSetpoint: 20, hvacMode: "heat" } : {}) };
  const raw = JSON.stringify({ v: 1, deviceId, seq, observedAt: new Date(clock).toISOString(), cause: "physical", properties });
  const parsed = parseStateReport(raw, clock);
  if (!parsed.ok) throw new Error(parsed.rejection.reason);
  return { source: "http" as const, raw, report: parsed.report };
}

const ingest = (reports: IncomingReport[], at = clock) =>
  ingestReports(t.db, { world: cache.current(), adapters: sandboxAdapters(base), reports, now: new Date(at), shadows });
const deliver = (at: number, batchSize?: number, concurrency?: number) =>
  deliverDue({ ...sandboxDelivery({ db: t.db, world: () => cache.current(), base, now: () => at, cipher }), batchSize, concurrency });
const receivedFor = (deviceId: string) => sandbox.recorder.list({ partner: "google-home" }).filter((m) => JSON.stringify(m.body).includes(deviceId));

/** Google's version in force gets these rate_limit clauses in place of its own (4.1, across the integration). */
async function setGoogleRateLimits(limits: { integration?: number; perHome?: number }) {
  const [{ id }] = (
    await t.pool.query(
      "select v.id from agreement_versions v join agreements a on a.id = v.agreement_id where a.partner_id = 'google-home' and v.status = 'active'",
    )
  ).rows;
  await t.pool.query("delete from agreement_clauses where version_id = $1 and kind = 'rate_limit'", [id]);
  let position = 100;
  for (const [key, scope, n] of [
    ["4.1", "integration", limits.integration],
    ["4.2", "home", limits.perHome],
  ] as const) {
    if (n === undefined) continue;
    await t.pool.query(
      "insert into agreement_clauses (version_id, clause_key, kind, title, legal_text, terms, position) values ($1, $2, 'rate_limit', 'Rate of reports', 'At most so many.', $3, $4)",
      [id, key, JSON.stringify({ kind: "rate_limit", maxPerMinute: n, scope }), position++],
    );
  }
  await cache.check();
}

beforeAll(async () => {
  t = await createTestDatabase();
  await seed(t.db, { now: NOW, homes: 8 });
  base = await sandbox.start();
  cache = new WorldCache(t.db, 60_000, undefined, cipher);
  await cache.start();
  const rows = (
    await t.pool.query(`
      select l.home_id, min(d.id::text) as thermostat
        from partner_links l join devices d on d.home_id = l.home_id join device_models m on m.id = d.model_id
       where l.partner_id = 'google-home' and l.status = 'active' and m.kind = 'thermostat'
       group by l.home_id order by l.home_id limit 2`)
  ).rows as { home_id: string; thermostat: string }[];
  homes = rows.map((r) => ({ homeId: r.home_id, thermostat: r.thermostat }));
  expect(homes).toHaveLength(2);
  for (const h of homes) for (const c of THERMOSTAT_CATEGORIES) await addConsent(t, h.homeId, "google-home", c, "proactive");
  await cache.check();
});
afterAll(async () => {
  cache?.stop();
  await sandbox.stop();
  await t?.drop();
});
beforeEach(async () => {
  sandbox.reset();
  await t.pool.query("delete from rate_buckets");
  // Whatever an earlier test left queued is not this test's to count.
  await t.pool.query("update outbox set status = 'cancelled' where status in ('pending', 'retrying')");
});

describe("rate_limit clauses at delivery", () => {
  it("holds a home to its per-home limit, and that home's excess waits for its bucket, not the other home's", async () => {
    await setGoogleRateLimits({ integration: 1_000, perHome: 2 });
    const [a, b] = homes as [(typeof homes)[0], (typeof homes)[0]];
    const r = await ingest([change(a.thermostat), change(a.thermostat), change(a.thermostat), change(b.thermostat)]);
    expect(r.outbox).toBe(4);

    const first = await deliver(clock);
    expect(first).toMatchObject({ delivered: 3, deferred: 1 });
    expect(receivedFor(a.thermostat)).toHaveLength(2);
    expect(receivedFor(b.thermostat)).toHaveLength(1);
    expect(receivedFor(a.thermostat).every((m) => m.schemaValid)).toBe(true);
    // Deferred, not failed: due again when the bucket has a token (2 a minute: one every 30 s).
    const [held] = (
      await t.pool.query("select status, attempts, extract(epoch from next_attempt_at) * 1000 as due from outbox where status in ('pending', 'retrying')")
    ).rows;
    expect(held).toMatchObject({ status: "pending", attempts: 0 });
    expect(Number(held.due) - clock).toBeGreaterThan(29_000);
    expect(Number(held.due) - clock).toBeLessThanOrEqual(30_000);

    expect(await deliver(clock + 10_000)).toMatchObject({ delivered: 0 });
    expect(await deliver(clock + 30_000)).toMatchObject({ delivered: 1, deferred: 0 });
    expect(receivedFor(a.thermostat)).toHaveLength(3);
  });

  it("holds the whole integration to its limit, whatever home a message is about", async () => {
    await setGoogleRateLimits({ integration: 2 });
    const [a, b] = homes as [(typeof homes)[0], (typeof homes)[0]];
    await ingest([change(a.thermostat), change(b.thermostat), change(b.thermostat)]);
    expect(await deliver(clock)).toMatchObject({ delivered: 2, deferred: 1 });
    expect(await deliver(clock + 30_000)).toMatchObject({ delivered: 1 });
  });

  it("holds Google's integration to the platform's published quota where no clause is stricter, and to the clause where one is", async () => {
    const [a, b] = homes as [(typeof homes)[0], (typeof homes)[0]];
    // No rate_limit clause: the quota alone (6,000 a minute as Google publishes it; 2 here).
    await setGoogleRateLimits({});
    const home = a.homeId;
    expect(limitsOf(cache.current(), "google-home", home, clock, sandboxAdapters(base).google.requestsPerMinute)).toEqual([
      { key: "google-home", perMinute: 6_000 },
    ]);
    expect(limitsOf(cache.current(), "google-home", home, clock)).toEqual([]);
    const withQuota = (at: number, quota: number) =>
      deliverDue({
        ...sandboxDelivery({ db: t.db, world: () => cache.current(), base, now: () => at, cipher }),
        adapters: sandboxAdapters(base, { GOOGLE_REQUESTS_PER_MINUTE: String(quota) }),
      });
    await ingest([change(a.thermostat), change(b.thermostat), change(b.thermostat)]);
    expect(await withQuota(clock, 2)).toMatchObject({ delivered: 2, deferred: 1 });
    expect(await withQuota(clock + 30_000, 2)).toMatchObject({ delivered: 1 });
    // A clause stricter than the quota wins; a looser one gives way to it.
    await t.pool.query("delete from rate_buckets");
    await setGoogleRateLimits({ integration: 1 });
    expect(limitsOf(cache.current(), "google-home", home, clock, 2)).toEqual([{ key: "google-home", perMinute: 1 }]);
    await setGoogleRateLimits({ integration: 10 });
    expect(limitsOf(cache.current(), "google-home", home, clock, 2)).toEqual([{ key: "google-home", perMinute: 2 }]);
    await ingest([change(a.thermostat), change(b.thermostat), change(b.thermostat)]);
    expect(await withQuota(clock, 2)).toMatchObject({ delivered: 2, deferred: 1 });
    // The worker's default: Google's published quota, and none of its own for a webhook.
    const adapters = sandboxAdapters(base);
    expect({ google: adapters.google.requestsPerMinute, alexa: adapters.alexa.requestsPerMinute, webhook: adapters.webhook.requestsPerMinute }).toEqual({
      google: 6_000,
      alexa: null,
      webhook: null,
    });
  });

  it("holds two workers delivering at once to the one limit between them", async () => {
    await setGoogleRateLimits({ integration: 3 });
    const [a, b] = homes as [(typeof homes)[0], (typeof homes)[0]];
    await ingest([change(a.thermostat), change(a.thermostat), change(b.thermostat), change(b.thermostat), change(b.thermostat)]);
    // Two replicas' delivery loops, each claiming its own messages (SKIP LOCKED), at the same moment.
    const [one, two] = await Promise.all([deliver(clock, 3), deliver(clock, 3)]);
    expect(one.claimed + two.claimed).toBe(5);
    expect(one.delivered + two.delivered).toBe(3);
    expect(one.deferred + two.deferred).toBe(2);
    expect(sandbox.recorder.list({ partner: "google-home" })).toHaveLength(3);
    // The bucket they drew on is the database's, where any worker process finds it: spent.
    const [bucket] = (await t.pool.query("select tokens, per_minute from rate_buckets where key = 'google-home'")).rows;
    expect(Number(bucket.tokens)).toBeLessThan(1);
    expect(Number(bucket.per_minute)).toBe(3);
  });

  it("gives back what a batch reserved and did not send", async () => {
    await setGoogleRateLimits({ integration: 5 });
    const [a] = homes as [(typeof homes)[0]];
    await ingest([change(a.thermostat), change(a.thermostat)]);
    // Queued before the homeowner turned temperature sharing off: both are cancelled at delivery.
    for (const c of THERMOSTAT_CATEGORIES) await addConsent(t, a.homeId, "google-home", c, "off");
    await cache.check();
    expect(await deliver(clock)).toMatchObject({ delivered: 0, cancelled: 2 });
    const [bucket] = (await t.pool.query("select tokens from rate_buckets where key = 'google-home'")).rows;
    expect(Number(bucket.tokens)).toBe(5);
    for (const c of THERMOSTAT_CATEGORIES) await addConsent(t, a.homeId, "google-home", c, "proactive");
    await cache.check();
  });

  it("holds every worker back from a partner that answered 429 until its Retry-After, not only the message that met it", async () => {
    await setGoogleRateLimits({ integration: 1_000 });
    const [a, b] = homes as [(typeof homes)[0], (typeof homes)[0]];
    await fetch(`${base}/__sandbox/faults/google-home`, { method: "POST", body: JSON.stringify({ status: 429, retryAfterSeconds: 30 }) });
    await ingest([change(a.thermostat), change(b.thermostat), change(b.thermostat)]);
    const start = clock;
    // One at a time: the first meets the 429, the two behind it wait without asking.
    expect(await deliver(start, undefined, 1)).toMatchObject({ retried: 1, deferred: 2, delivered: 0 });
    expect(sandbox.recorder.list({ partner: "google-home" })).toHaveLength(1);
    const due = (
      await t.pool.query("select extract(epoch from next_attempt_at) * 1000 as due, attempts from outbox where status in ('pending', 'retrying') order by id")
    ).rows;
    expect(due.map((r) => Number(r.due) >= start + 30_000)).toEqual([true, true, true]);
    // Another worker, later, with a message queued since: it holds back too (the hold is the database's).
    await ingest([change(a.thermostat)], start + 1_000);
    expect(await deliver(start + 5_000)).toMatchObject({ claimed: 1, deferred: 1, delivered: 0 });
    expect(sandbox.recorder.list({ partner: "google-home" })).toHaveLength(1);
    // The hold over and the partner well again: all four go, each as the message it was.
    await fetch(`${base}/__sandbox/faults/google-home`, { method: "DELETE" });
    expect(await deliver(start + 31_000)).toMatchObject({ delivered: 4 });
    const [hold] = (await t.pool.query("select reason from partner_holds where partner_id = 'google-home'")).rows;
    expect(hold.reason).toBe("429 (Retry-After: 30)");
  });

  it("with both, a message either limit holds back takes nothing from the other", () => {
    const bucket = (left: number, perMinute: number) => ({ perMinute, left, tokens: 0, held: 0 });
    // What a reservation granted: the integration three tokens, home h1 one, h2 and h3 one each.
    const allowance = new Allowance(
      new Map([
        ["google-home", bucket(3, 3)],
        ["google-home h1", bucket(1, 1)],
        ["google-home h2", bucket(1, 1)],
        ["google-home h3", bucket(0, 1)],
      ]),
    );
    const limits = (home: string) => [
      { key: "google-home", perMinute: 3 },
      { key: `google-home ${home}`, perMinute: 1 },
    ];
    expect(allowance.take(limits("h1"))).toBe(0);
    // h1's bucket is empty: held back a minute (1 a minute), and the integration's tokens stay.
    expect(allowance.take(limits("h1"))).toBe(60_000);
    // A second message held back by the same bucket waits a token longer.
    expect(allowance.take(limits("h1"))).toBe(120_000);
    expect(allowance.take(limits("h3"))).toBe(60_000);
    expect(allowance.take(limits("h2"))).toBe(0);
    expect(allowance.unused()).toEqual([{ key: "google-home", n: 1 }]);
    // No limit, no token needed.
    expect(allowance.take([])).toBe(0);
  });

  it("grants a bucket's tokens once however many workers reserve at once, whatever order they name the buckets in", async () => {
    const keys = [
      { key: "p", perMinute: 10 },
      { key: "p h1", perMinute: 60 },
      { key: "p h2", perMinute: 60 },
    ];
    // Twenty reservations at once, half naming the buckets backwards (on PostgreSQL, on as many
    // connections: the row locks of one statement are taken in no promised order).
    const all = await Promise.all(Array.from({ length: 20 }, (_, i) => reserveTokens(t.db, i % 2 ? [...keys].reverse() : keys, clock)));
    const granted = (key: string) => all.reduce((n, a) => n + (a.unused().find((u) => u.key === key)?.n ?? 0), 0);
    expect(granted("p")).toBe(10);
    expect(granted("p h1")).toBe(20);
    const [p] = (await t.pool.query("select tokens from rate_buckets where key = 'p'")).rows;
    expect(Number(p.tokens)).toBe(0);
  });

  it("forgets the buckets that have refilled, so a fleet's homes do not pile up", async () => {
    await reserveTokens(
      t.db,
      Array.from({ length: 50 }, (_, i) => ({ key: `p h${i}`, perMinute: 60 })),
      clock,
    );
    expect(await forgetFullBuckets(t.db, clock + 500)).toBe(0);
    // A second on, each has its one token back: all of them go.
    expect(await forgetFullBuckets(t.db, clock + 1_000)).toBe(50);
  });
});
