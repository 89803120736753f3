// Direct access to the running product for end-to-end tests: its database (to read evidence, and
// to add what no product API creates yet: devices), its broker (to be a device), its worker and
// the partner sandbox. What users do goes through the product's own API (fixtures.ts).
import { WORKER_NODE_FLAGS } from "@proviso/config";
import mqtt from "mqtt";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { E2E_PORTS } from "../playwright.config";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The product's database: DATABASE_URL, or the embedded one with the password the launcher generated. */
export function databaseUrl(): string {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const password = fs.readFileSync(path.join(ROOT, ".data/e2e/pglite-password"), "utf8").trim();
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${E2E_PORTS.PGLITE_PORT}/postgres`;
}
export const MQTT_URL = process.env.MQTT_URL || `mqtt://127.0.0.1:${E2E_PORTS.MQTT_PORT}`;
export const WORKER = `http://localhost:${E2E_PORTS.WORKER_PORT}`;
export const SANDBOX = `http://localhost:${E2E_PORTS.SANDBOX_PORT}`;

export async function withDb<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function idOf(sql: string, params: unknown[]): Promise<string> {
  return withDb(async (c) => (await c.query(sql, params)).rows[0].id as string);
}

export const DATA_DIR = path.join(ROOT, ".data/e2e");

/** The environment the product's own commands need to reach the e2e product (as the launcher gave it). */
export function productEnv(): NodeJS.ProcessEnv {
  const adminFile = path.join(DATA_DIR, "mqtt-admin-password");
  return {
    ...process.env,
    ...(process.env.DATABASE_URL
      ? { DATABASE_URL: process.env.DATABASE_URL }
      : {
          DATABASE_URL: "",
          PGLITE_PORT: String(E2E_PORTS.PGLITE_PORT),
          PGLITE_PASSWORD: fs.readFileSync(path.join(DATA_DIR, "pglite-password"), "utf8").trim(),
        }),
    ...(process.env.MQTT_URL ? { MQTT_URL } : { MQTT_URL: "", MQTT_PORT: String(E2E_PORTS.MQTT_PORT) }),
    PROVISO_DATA_DIR: DATA_DIR,
    MQTT_ADMIN_PASSWORD: process.env.MQTT_ADMIN_PASSWORD || fs.readFileSync(adminFile, "utf8").trim(),
  };
}

export interface DeviceCredential {
  deviceId: string;
  keyId: string;
  secret: string;
  token: string;
}
const issued = new Map<string, DeviceCredential>();

/**
 * A credential of the tests' own for a device, issued with `npm run devices -- issue` as a maker
 * provisions one (the simulator holds the fleet's; its connection and the tests' have a client id each).
 */
export function credentialOf(deviceId: string): DeviceCredential {
  const known = issued.get(deviceId);
  if (known) return known;
  const out = execFileSync(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts/devices.ts"), "issue", deviceId, "--json"], {
    cwd: ROOT,
    env: productEnv(),
  });
  const credential = JSON.parse(out.toString()) as DeviceCredential;
  issued.set(deviceId, credential);
  return credential;
}

/** `npm run users -- unlock <email>`, as an administrator clears an account's failed sign-ins. */
export function unlockAccount(email: string): string {
  return execFileSync(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts/users.ts"), "unlock", email], { cwd: ROOT, env: productEnv() }).toString();
}

/** The boot a device starts again with: one past the last the worker holds (as the simulator's devices do on start). */
async function nextBoot(deviceId: string): Promise<number> {
  return withDb(
    async (c) =>
      Number(
        (
          await c.query(
            "select coalesce(max((p.value->>'boot')::int), 0) as boot from device_shadow s cross join lateral json_each(s.properties) p where s.device_id = $1",
            [deviceId],
          )
        ).rows[0]?.boot ?? 0,
      ) + 1,
  );
}

/**
 * Being devices, as the real ones are: each on its own MQTT connection with its own credential and
 * client id, restarted (a boot past the simulator's) so that its reports are the newest.
 */
export function device() {
  const clients = new Map<string, Promise<mqtt.MqttClient>>();
  const counters = new Map<string, Promise<{ boot: number; seq: number }>>();
  const clientOf = (deviceId: string) => {
    let c = clients.get(deviceId);
    if (!c) {
      const login = credentialOf(deviceId);
      c = mqtt.connectAsync(MQTT_URL, { protocolVersion: 5, clientId: login.keyId, username: login.keyId, password: login.secret, reconnectPeriod: 0 });
      clients.set(deviceId, c);
    }
    return c;
  };
  const counterOf = (deviceId: string) => {
    let c = counters.get(deviceId);
    if (!c) counters.set(deviceId, (c = nextBoot(deviceId).then((boot) => ({ boot, seq: 0 }))));
    return c;
  };
  return {
    async report(deviceId: string, properties: Record<string, unknown>, cause = "app") {
      const [client, counter] = await Promise.all([clientOf(deviceId), counterOf(deviceId)]);
      const body = { v: 1, deviceId, seq: ++counter.seq, boot: counter.boot, observedAt: new Date().toISOString(), cause, properties };
      await client.publishAsync(`proviso/v1/devices/${deviceId}/state`, JSON.stringify(body), { qos: 1 });
      return body;
    },
    async raw(deviceId: string, payload: string) {
      await (await clientOf(deviceId)).publishAsync(`proviso/v1/devices/${deviceId}/state`, payload, { qos: 1 });
    },
    /** Publishes as this device to another topic (what a forger with one device's credential would try). */
    async publishTo(deviceId: string, topic: string, payload: string) {
      return (await clientOf(deviceId)).publishAsync(topic, payload, { qos: 1 }).then(
        () => "taken",
        (err: Error & { code?: number }) => err.code ?? err.message,
      );
    },
    close: async () => {
      await Promise.all([...clients.values()].map(async (c) => (await c).endAsync()));
    },
  };
}

/** The partner sandbox's own API answers only with the token the launcher generated. */
export function sandboxAuth(): Record<string, string> {
  return { authorization: `Bearer ${fs.readFileSync(path.join(DATA_DIR, "sandbox-token"), "utf8").trim()}` };
}

export interface SandboxMessage {
  seq: number;
  partner: string;
  endpoint: string;
  deviceIds: string[];
  messageId: string | null;
  status: number;
  schemaValid: boolean | null;
  schemaErrors: string[];
  body: unknown;
  receivedAt: string;
}

export async function sandboxMessages(filter: { partner?: string; device?: string } = {}): Promise<SandboxMessage[]> {
  const q = new URLSearchParams(Object.entries(filter).filter(([, v]) => v) as [string, string][]);
  const res = await fetch(`${SANDBOX}/__sandbox/messages?${q}`, { headers: sandboxAuth() });
  return ((await res.json()) as { messages: SandboxMessage[] }).messages;
}

/** The access token the sandbox, playing `partner`, holds for one of its user accounts. */
export async function accountToken(partner: string, accountId: string): Promise<string> {
  const res = await fetch(`${SANDBOX}/__sandbox/accounts?partner=${encodeURIComponent(partner)}`, { headers: sandboxAuth() });
  const account = ((await res.json()) as { accounts: { accountId: string; accessToken: string }[] }).accounts.find((a) => a.accountId === accountId);
  if (!account) throw new Error(`the sandbox holds no ${partner} account ${accountId}`);
  return account.accessToken;
}

/**
 * The access token a platform holds for a link, as the sandbox (playing it) got it from account
 * linking: the launcher links the seeded homes for it; a test's own linking adds to them.
 */
export async function platformToken(partner: string, linkId: string): Promise<string> {
  const accountId = await withDb(
    async (c) => (await c.query("select external_account_id from partner_links where id = $1", [linkId])).rows[0]?.external_account_id,
  );
  return accountToken(partner, accountId);
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Evidence that every worker given has applied every policy change committed so far (consents,
 * links, terms): its /healthz says which policy version its snapshot is at.
 */
export async function workersCaughtUp(workers: string[] = [WORKER]) {
  const committed = await withDb(async (c) => Number((await c.query("select value #>> '{}' as v from app_meta where key = 'policy.version'")).rows[0].v));
  for (const url of workers) {
    await waitFor(`the worker at ${url} to apply policy change ${committed}`, async () => {
      const health = (await (await fetch(`${url}/healthz`)).json()) as { policyVersion?: number };
      return (health.policyVersion ?? 0) >= committed;
    });
  }
}

/** Evidence that a device's messages have all ended (none pending or being retried). */
export async function quiet(deviceId: string) {
  await waitFor(`the messages about ${deviceId} to end`, () =>
    withDb(async (c) => (await c.query("select 1 from outbox where device_id = $1 and status in ('pending', 'retrying')", [deviceId])).rowCount === 0),
  );
}

/** The seeded homeowner of a home (every seeded user shares the demo password). */
export async function ownerEmailOf(homeId: string): Promise<string> {
  return withDb(
    async (c) =>
      (await c.query("select u.email from home_memberships m join users u on u.id = m.user_id where m.home_id = $1 limit 1", [homeId])).rows[0].email,
  );
}

export interface Settled {
  /** The decisions made about the report's change, per partner and category. */
  decisions: { partner_id: string; category_key: string; outcome: string; reasons: { code: string }[] }[];
  /** The messages it queued, each as it ended. */
  outbox: { partner_id: string; status: string; last_error: string | null }[];
}

/**
 * Evidence, not a pause, that a report went as far as it will: the worker committed it (its state
 * event and decisions are there) and every message it queued has ended (delivered, cancelled or
 * dead). A report that changed nothing has no state event: use one that changes something.
 */
export async function settled(deviceId: string, report: { seq: number; observedAt: string }, timeoutMs = 20_000): Promise<Settled> {
  return waitFor(
    `report ${report.seq} of ${deviceId} to be committed and its messages to end`,
    () =>
      withDb(async (c) => {
        // seq counts again from 1 in each boot: the report is the one with its seq and its time.
        const event = (
          await c.query("select id from state_events where device_id = $1 and seq = $2 and observed_at = $3", [deviceId, report.seq, report.observedAt])
        ).rows[0];
        if (!event) return null;
        const decisions = (
          await c.query("select partner_id, category_key, outcome, reasons from decisions where state_event_id = $1 and stage = 'change' order by id", [
            event.id,
          ])
        ).rows;
        const outbox = (
          await c.query("select partner_id, status, last_error from outbox where device_id = $1 and observed_at = $2 order by id", [
            deviceId,
            report.observedAt,
          ])
        ).rows;
        return outbox.every((o) => o.status !== "pending" && o.status !== "retrying") ? ({ decisions, outbox } as Settled) : null;
      }),
    timeoutMs,
  );
}

/**
 * Another worker process beside the product's own, as a second replica would run: the same
 * database, broker, keys and shared-subscription group, its own HTTP port. Resolves once healthy.
 */
export async function startWorkerReplica(port: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [...WORKER_NODE_FLAGS, "--import", "tsx", path.join(ROOT, "apps/worker/src/main.ts")], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      // As the launcher gives them: the embedded parts by port, real servers by URL (productEnv).
      ...productEnv(),
      TOKEN_ENCRYPTION_KEY: fs.readFileSync(path.join(DATA_DIR, "token-key"), "utf8").trim(),
      AUDIT_SIGNING_KEY: fs.readFileSync(path.join(DATA_DIR, "audit-key"), "utf8").trim(),
      MQTT_PASSWORD: fs.readFileSync(path.join(DATA_DIR, "mqtt-worker-password"), "utf8").trim(),
      // Home Graph calls as the launcher's sandbox service account.
      GOOGLE_SERVICE_ACCOUNT_FILE: process.env.GOOGLE_SERVICE_ACCOUNT_FILE || path.join(DATA_DIR, "google-service-account.json"),
      WORKER_PORT: String(port),
      WEB_PORT: String(E2E_PORTS.WEB_PORT),
      SANDBOX_PORT: String(E2E_PORTS.SANDBOX_PORT),
      // The embedded database runs one transaction at a time: one connection per process, as the launcher gives.
      ...(process.env.DATABASE_URL ? {} : { DATABASE_POOL_MAX: "1" }),
    },
  });
  let log = "";
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  const url = `http://localhost:${port}`;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  try {
    await waitFor(
      "the second worker to be healthy",
      async () => {
        if (child.exitCode !== null) throw new Error(`the second worker exited: ${log.slice(-2000)}`);
        return (await fetch(`${url}/healthz`).catch(() => null))?.ok;
      },
      60_000,
    );
  } catch (err) {
    child.kill("SIGTERM");
    throw err;
  }
  return {
    url,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}
