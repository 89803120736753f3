// What the discovery tests share: a seeded fleet (four homes) on a real database, the partner
// sandbox on loopback, one discovery watch for all of them (what it remembers between checks is
// tested too), and helpers that ask, deliver and read what was announced.
import { createTestDatabase, type TestDatabase } from "@proviso/db/testing";
import type { ReceivedMessage } from "@proviso/sandbox";
import { seed, stableId } from "@proviso/seed";
import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { deliverDue } from "../delivery/deliver";
import { answerPartnerRequest } from "../partner-requests/answer";
import { addConsent, linkToken, LoopbackSandbox, sandboxAdapters, sandboxDelivery } from "../testing/support";
import { DiscoveryWatch } from "./watch";
import { WorldCache } from "@proviso/snapshot";

export const NOW = new Date("2026-11-24T12:00:00Z");
export const DAY = 86_400_000;
export const home0 = stableId("home:0");
export const thermostat = stableId("device:0:0");
export const sensor = stableId("device:0:1");
export const lock = stableId("device:0:2");
export const alexaLink = stableId("link:0:alexa");
export const googleLink = stableId("link:0:google-home");
export const T = "user.device.sensor.temperature";

export let t: TestDatabase;
export let cache: WorldCache;
export let base = "";
export let clock = NOW.getTime();
export const sandbox = new LoopbackSandbox();
export const newWatch = () => new DiscoveryWatch({ db: t.db, adapters: sandboxAdapters(base), world: () => cache.current(), now: () => clock });
/** A platform's request, answered as the worker's HTTP port answers it. */
/** An access token for a link, as account linking issued it to the link's platform. */
export const tokenFor = (linkId: string) => linkToken(t.db, linkId, clock);
export const ask = async (adapter: "alexa" | "google", body: unknown, token?: string) => {
  const adapters = sandboxAdapters(base);
  const r = await answerPartnerRequest(
    { db: t.db, world: () => cache.current(), adapters, cipher: null, now: () => clock },
    adapters[adapter],
    body,
    token ? { authorization: `Bearer ${token}` } : {},
  );
  expect(r.status).toBe(200);
  return r.body;
};
/** One watch for the whole file, as a worker runs one: what it remembers between checks is tested too. */
export let shared: DiscoveryWatch;
export const watch = () => (shared ??= newWatch());
export const deliver = () =>
  deliverDue({
    ...sandboxDelivery({ db: t.db, world: () => cache.current(), base, now: () => clock }),
    retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 60_000 },
  });
export const setConsent = async (partnerId: string, category: string, mode: "off" | "on_request" | "proactive") => {
  await addConsent(t, home0, partnerId, category, mode);
  await cache.check();
};
export type Capability = { interface: string; properties?: { retrievable: boolean; proactivelyReported: boolean } };
export type Endpoint = { endpointId: string; capabilities: Capability[] };
export const bodyOf = (m: ReceivedMessage) => m.body as { event: { header: { name: string; messageId: string }; payload: { endpoints: Endpoint[] } } };
export const alexaReceived = (linkId: string) => sandbox.recorder.list({ partner: "alexa" }).filter((m) => m.authorization === `Bearer sandbox-${linkId}`);
export const queued = async () =>
  (await t.pool.query("select link_id, kind, status from outbox where kind like '%.discovery' and status in ('pending', 'retrying') order by link_id")).rows;
export const announced = async (linkId: string) => (await t.pool.query("select devices, via from link_discovery where link_id = $1", [linkId])).rows[0];

/** The test's clock moves on by `ms`. */
export function advanceClock(ms: number) {
  clock += ms;
}

/** Registers the file's setup and teardown. */
export function useDiscovery() {
  beforeAll(async () => {
    t = await createTestDatabase();
    await seed(t.db, { now: NOW, homes: 4 });
    base = await sandbox.start();
    cache = new WorldCache(t.db, 60_000);
    await cache.start();
  });
  afterAll(async () => {
    cache?.stop();
    await sandbox.stop();
    await t?.drop();
  });
  beforeEach(() => sandbox.reset());
}
