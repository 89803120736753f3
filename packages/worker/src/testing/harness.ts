// The worker's stages on a real database with the real partner sandbox on loopback, as the tests
// that exercise them share it: the seeded fleet (the Berg home, `home:0`, shares its thermostat
// with Google as it changes and its lock on request only), the snapshot, a clock the tests move,
// and helpers that report, ingest, deliver and ask as the worker does. One per test file.
import { createTokenCipher, generateTokenKey } from "@proviso/core";
import { createTestDatabase, type TestDatabase } from "@proviso/db/testing";
import type { Adapters, PartnerAdapter } from "@proviso/partners";
import { seed, stableId } from "@proviso/seed";
import { WorldCache } from "@proviso/snapshot";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { deliverDue } from "../delivery/deliver";
import type { DeliveryDeps } from "../delivery/round";
import { ingestReports } from "../ingest/ingest";
import { ShadowCache } from "../ingest/shadow-cache";
import type { IncomingReport } from "../ingest/types";
import { parseStateReport } from "../ingest/validate";
import { answerPartnerRequest } from "../partner-requests/answer";
import { addConsent, addPartner, linkToken, LoopbackSandbox, sandboxAdapters, sandboxDelivery } from "./support";

export const NOW = new Date("2026-11-24T12:00:00Z");
export const home0 = stableId("home:0");
export const thermostat = stableId("device:0:0");
export const lockDevice = stableId("device:0:2");
export const THERMOSTAT_TRAIT = ["user.device.sensor.temperature", "user.device.sensor.setpoint", "user.device.sensor.hvac_mode"];
type Mode = "off" | "on_request" | "proactive";

export interface Harness {
  t: TestDatabase;
  cache: WorldCache;
  base: string;
  sandbox: LoopbackSandbox;
  shadows: ShadowCache;
  cipher: ReturnType<typeof createTokenCipher>;
  /** The test's clock (epoch ms): each report moves it a minute on. */
  clock: number;
  seq: number;
  /** A report as a device sends it, a minute after the last (Google's clause 2.1 allows a temperature at most every 60 s). */
  report(deviceId: string, properties: Record<string, unknown>, opts?: { seq?: number; at?: number; boot?: number }): IncomingReport;
  /** What reading `raw` concludes, as an IncomingReport. */
  rawItem(raw: string): IncomingReport;
  parse(raw: string | Buffer, topicDeviceId?: string): Pick<IncomingReport, "report" | "rejection">;
  adapters(): Adapters;
  ingest(...items: IncomingReport[]): ReturnType<typeof ingestReports>;
  ingestWith(items: IncomingReport[], shadows: ShadowCache): ReturnType<typeof ingestReports>;
  deliveryDeps(): DeliveryDeps;
  deliver(): ReturnType<typeof deliverDue>;
  received(partner: string): ReturnType<LoopbackSandbox["recorder"]["list"]>;
  setConsent(partnerId: string, category: string, mode: Mode, homeId?: string): Promise<void>;
  /** A platform's request, answered as the worker's HTTP port answers it: the status and body. */
  ask(adapter: (a: Adapters) => PartnerAdapter, body: unknown, token?: string): ReturnType<typeof answerPartnerRequest>;
  /** A partner of the test's own (support.ts addPartner); a webhook partner gets a signing secret its receiver holds. */
  addPartner(o: Omit<Parameters<typeof addPartner>[1], "since"> & { since?: Date }): Promise<string>;
  /** An access token for a link, as account linking would issue it to the link's platform (valid from the clock). */
  token(linkId: string): Promise<string>;
}

/** Registers the file's setup and teardown; the harness is ready inside the tests. */
export function useHarness(opts: { homes?: number } = {}): Harness {
  const sandbox = new LoopbackSandbox(() => h.clock);
  const h: Harness = {
    t: undefined as unknown as TestDatabase,
    cache: undefined as unknown as WorldCache,
    base: "",
    sandbox,
    shadows: new ShadowCache(),
    cipher: createTokenCipher(generateTokenKey()),
    clock: NOW.getTime(),
    seq: 100,
    report(deviceId, properties, o = {}) {
      h.clock += 61_000;
      const raw = JSON.stringify({
        v: 1,
        deviceId,
        seq: o.seq ?? ++h.seq,
        ...(o.boot === undefined ? {} : { boot: o.boot }),
        observedAt: new Date(o.at ?? h.clock).toISOString(),
        cause: "physical",
        properties,
      });
      return h.rawItem(raw);
    },
    rawItem: (raw) => ({ source: "http", raw, ...h.parse(raw) }),
    parse(raw, topicDeviceId) {
      const parsed = parseStateReport(raw, h.clock, topicDeviceId);
      return parsed.ok ? { report: parsed.report } : { rejection: parsed.rejection };
    },
    adapters: () => sandboxAdapters(h.base),
    ingestWith: (items, shadows) =>
      ingestReports(h.t.db, { world: h.cache.current(), adapters: h.adapters(), reports: items, now: new Date(h.clock), shadows }),
    ingest: (...items) => h.ingestWith(items, h.shadows),
    deliveryDeps: () => ({
      ...sandboxDelivery({ db: h.t.db, world: () => h.cache.current(), base: h.base, now: () => h.clock, cipher: h.cipher }),
      retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 60_000 },
    }),
    deliver: () => deliverDue(h.deliveryDeps()),
    received: (partner) => sandbox.recorder.list({ partner }),
    token: (linkId) => linkToken(h.t.db, linkId, h.clock),
    async addPartner(o) {
      const linkId = await addPartner(h.t, { since: new Date(NOW.getTime() - 86_400_000), ...o });
      if (o.adapter === "webhook") await sandbox.provisionWebhookSecrets(h.t.db, h.cipher, new Date(h.clock), o.id);
      return linkId;
    },
    async setConsent(partnerId, category, mode, homeId = home0) {
      await addConsent(h.t, homeId, partnerId, category, mode);
      await h.cache.check();
    },
    ask: (adapter, body, token) =>
      answerPartnerRequest(
        { db: h.t.db, world: () => h.cache.current(), adapters: h.adapters(), cipher: h.cipher, now: () => h.clock },
        adapter(h.adapters()),
        body,
        token ? { authorization: `Bearer ${token}` } : {},
      ),
  };
  beforeAll(async () => {
    h.t = await createTestDatabase();
    await seed(h.t.db, { now: NOW, homes: opts.homes ?? 6 });
    h.base = await sandbox.start();
    await sandbox.provisionWebhookSecrets(h.t.db, h.cipher, NOW);
    h.cache = new WorldCache(h.t.db, 60_000, undefined, h.cipher);
    await h.cache.start();
    // The Berg home shares its thermostat with Google as it changes, and its lock on request only.
    for (const c of THERMOSTAT_TRAIT) await h.setConsent("google-home", c, "proactive");
    await h.setConsent("google-home", "user.device.sensor.lock_state", "on_request");
  });
  afterAll(async () => {
    h.cache?.stop();
    await sandbox.stop();
    await h.t?.drop();
  });
  beforeEach(() => sandbox.reset());
  return h;
}
