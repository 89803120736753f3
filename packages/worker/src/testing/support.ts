// What the pipeline's tests share (not part of the package's API): the partner sandbox on loopback
// with the platforms' schema checks, and a consent written as the app writes one (a new version).
import type { TokenCipher } from "@proviso/core";
import { consents, type Database } from "@proviso/db";
import type { TestDatabase } from "@proviso/db/testing";
import { createAdapters, createMessageChecker, webhook, type Adapters } from "@proviso/partners";
import { createSandbox, Recorder } from "@proviso/sandbox";
import type { AddressInfo } from "node:net";
import type { World } from "@proviso/snapshot";
import type { DeliveryDeps } from "../delivery/round";

export class LoopbackSandbox {
  private readonly sandbox: ReturnType<typeof createSandbox>;
  readonly recorder: Recorder;

  /** Checks webhook signatures with the secret the worker signs with by default, on `now`'s clock. */
  constructor(now?: () => number) {
    this.sandbox = createSandbox(new Recorder(), createMessageChecker(), { webhookSecret: webhook.SANDBOX_WEBHOOK_SECRET, now });
    this.recorder = this.sandbox.recorder;
  }

  /** Listens on a free loopback port; resolves with its base URL. */
  async start(): Promise<string> {
    await new Promise<void>((r) => this.sandbox.server.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(this.sandbox.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise<void>((r) => this.sandbox.server.close(() => r()));
  }

  /** Forgets what was received and any fault injected (before each test). */
  reset() {
    this.recorder.clear();
    this.recorder.faults.clear();
  }
}

/** The homeowner's next consent version for a partner and category. */
export async function addConsent(t: TestDatabase, homeId: string, partnerId: string, category: string, mode: "off" | "on_request" | "proactive") {
  const [{ v }] = (
    await t.pool.query("select coalesce(max(version), 0) + 1 as v from consents where home_id = $1 and partner_id = $2 and category_key = $3", [homeId, partnerId, category])
  ).rows;
  await t.db.insert(consents).values({ homeId, partnerId, categoryKey: category, mode, version: Number(v) });
}

/** Every platform's adapter, played by the sandbox at `base` (as the worker configures them when nothing is set). */
export const sandboxAdapters = (base: string, env: Record<string, string | undefined> = {}): Adapters => createAdapters(env, base);

/** Delivery to the sandbox at `base` as the worker delivers, on the test's clock; tests add what they vary. */
export const sandboxDelivery = (o: { db: Database; world: () => World; base: string; now: () => number; cipher?: TokenCipher }): DeliveryDeps => ({
  db: o.db,
  world: o.world,
  adapters: sandboxAdapters(o.base),
  now: o.now,
  cipher: o.cipher ?? null,
});
