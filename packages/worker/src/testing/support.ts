// What the pipeline's tests share (not part of the package's API): the partner sandbox on loopback
// with the platforms' schema checks, and a consent written as the app writes one (a new version).
import { issueLinkTokens, registerOAuthClient, rotateSigningSecret, type TokenCipher } from "@proviso/core";
import { consents, partnerLinks, partners, type Database } from "@proviso/db";
import { and, eq } from "drizzle-orm";
import { FULFIL_REQUEST, type AdapterId } from "@proviso/domain";
import type { TestDatabase } from "@proviso/db/testing";
import { createAdapters, createMessageChecker, type Adapters } from "@proviso/partners";
import { createSandbox, Recorder, type SandboxOptions } from "@proviso/sandbox";
import type { AddressInfo } from "node:net";
import type { World } from "@proviso/snapshot";
import type { DeliveryDeps } from "../delivery/round";

export class LoopbackSandbox {
  private readonly sandbox: ReturnType<typeof createSandbox>;
  readonly recorder: Recorder;
  /** Read at every request: a test sets where the worker listens once it does. */
  readonly options: SandboxOptions;

  /** Checks webhook signatures, on `now`'s clock, with the secrets a test gives its receivers (`options.webhookSecrets`). */
  constructor(now?: () => number) {
    this.options = { webhookSecrets: {}, now };
    this.sandbox = createSandbox(new Recorder(), createMessageChecker(), this.options);
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

  /** Makes each webhook partner of the database (or `only` it) a signing secret, as the operators would, and gives it to the partner's receiver here. */
  async provisionWebhookSecrets(db: Database, cipher: TokenCipher, now: Date, only?: string) {
    const hooks = await db
      .select({ id: partners.id })
      .from(partners)
      .where(and(eq(partners.adapter, "webhook"), only ? eq(partners.id, only) : undefined));
    for (const { id } of hooks) this.options.webhookSecrets![id] = [(await rotateSigningSecret(db, cipher, { partnerId: id, now })).secret];
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
    await t.pool.query("select coalesce(max(version), 0) + 1 as v from consents where home_id = $1 and partner_id = $2 and category_key = $3", [
      homeId,
      partnerId,
      category,
    ])
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

/**
 * A partner of its own for a test: `adapter`'s platform, an agreement in force since `since` that
 * shares `categories` on request and proactively for the fulfil-request purpose, and an active
 * link to `homeId`. Returns the link's id.
 */
export async function addPartner(t: TestDatabase, o: { id: string; adapter: AdapterId; homeId: string; categories: string[]; since: Date }): Promise<string> {
  await t.pool.query("insert into partners (id, name, adapter) values ($1, $2, $3)", [o.id, `Test partner ${o.id}`, o.adapter]);
  const [{ id: agreementId }] = (await t.pool.query("insert into agreements (partner_id, title) values ($1, 'Test terms') returning id", [o.id])).rows;
  const [{ id: versionId }] = (
    await t.pool.query("insert into agreement_versions (agreement_id, version, status, effective_from) values ($1, 1, 'active', $2) returning id", [
      agreementId,
      o.since,
    ])
  ).rows;
  for (const [i, category] of o.categories.entries()) {
    const terms = {
      kind: "data_share",
      category,
      modes: ["on_request", "proactive"],
      purposes: [FULFIL_REQUEST],
      retentionDays: 30,
      minimisation: {},
      optInRequired: true,
    };
    await t.pool.query(
      "insert into agreement_clauses (version_id, clause_key, kind, title, legal_text, terms, position) values ($1, $2, 'data_share', 'Sharing', 'Shared as agreed.', $3, $4)",
      [versionId, `2.${i + 1}`, JSON.stringify(terms), i],
    );
  }
  const [{ id: linkId }] = (
    await t.pool.query("insert into partner_links (home_id, partner_id, region, external_account_id, linked_at) values ($1, $2, 'US', $3, $4) returning id", [
      o.homeId,
      o.id,
      `${o.id}-acct`,
      o.since,
    ])
  ).rows;
  return linkId as string;
}

const testClients = new WeakMap<Database, Map<string, string>>();

/**
 * An access token for a link, as account linking issues one to its platform, valid from the
 * test's clock (tests move their clocks by days: each call issues a fresh one).
 */
export async function linkToken(db: Database, linkId: string, clock: number): Promise<string> {
  const [link] = await db.select({ partnerId: partnerLinks.partnerId }).from(partnerLinks).where(eq(partnerLinks.id, linkId));
  if (!link) throw new Error(`no link ${linkId}`);
  const clients = testClients.get(db) ?? new Map<string, string>();
  testClients.set(db, clients);
  let clientId = clients.get(link.partnerId);
  if (!clientId) {
    clientId = (await registerOAuthClient(db, { partnerId: link.partnerId, clientId: `test-${link.partnerId}`, redirectUris: ["http://localhost/callback"] }))
      .clientId;
    clients.set(link.partnerId, clientId);
  }
  return (await issueLinkTokens(db, { linkId, clientId, now: new Date(clock) })).accessToken;
}
