// Direct access to the running product for end-to-end tests: its database (to seed what a user
// would have set), its broker (to be a device), its worker and the partner sandbox.
import mqtt from "mqtt";
import pg from "pg";
import { E2E_PORTS } from "../playwright.config";

export const DATABASE_URL = process.env.DATABASE_URL || `postgres://postgres:postgres@127.0.0.1:${E2E_PORTS.PGLITE_PORT}/postgres`;
export const MQTT_URL = process.env.MQTT_URL || `mqtt://127.0.0.1:${E2E_PORTS.MQTT_PORT}`;
export const WORKER = `http://localhost:${E2E_PORTS.WORKER_PORT}`;
export const SANDBOX = `http://localhost:${E2E_PORTS.SANDBOX_PORT}`;

export async function withDb<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function setConsent(homeId: string, partnerId: string, category: string, mode: "off" | "on_request" | "proactive") {
  await withDb((c) =>
    c.query(
      `insert into consents (home_id, partner_id, category_key, mode, version)
       select $1, $2, $3, $4, coalesce(max(version), 0) + 1 from consents where home_id = $1 and partner_id = $2 and category_key = $3`,
      [homeId, partnerId, category, mode],
    ),
  );
}

export async function idOf(sql: string, params: unknown[]): Promise<string> {
  return withDb(async (c) => (await c.query(sql, params)).rows[0].id as string);
}

export function device() {
  const client = mqtt.connect(MQTT_URL, { clientId: `e2e-device-${process.pid}-${Math.random().toString(36).slice(2)}` });
  // Above anything the simulator has sent: its sequence numbers start at its start time × 1000.
  let seq = (Date.now() + 3_600_000) * 1000;
  const ready = new Promise<void>((r) => client.once("connect", () => r()));
  return {
    async report(deviceId: string, properties: Record<string, unknown>, cause = "app") {
      await ready;
      const body = { v: 1, deviceId, seq: ++seq, observedAt: new Date().toISOString(), cause, properties };
      await client.publishAsync(`proviso/v1/devices/${deviceId}/state`, JSON.stringify(body), { qos: 1 });
      return body;
    },
    async raw(deviceId: string, payload: string) {
      await ready;
      await client.publishAsync(`proviso/v1/devices/${deviceId}/state`, payload, { qos: 1 });
    },
    close: () => client.endAsync(),
  };
}

export interface SandboxMessage {
  seq: number;
  partner: string;
  deviceIds: string[];
  status: number;
  schemaValid: boolean | null;
  schemaErrors: string[];
  body: unknown;
  receivedAt: string;
}

export async function sandboxMessages(filter: { partner?: string; device?: string } = {}): Promise<SandboxMessage[]> {
  const q = new URLSearchParams(Object.entries(filter).filter(([, v]) => v) as [string, string][]);
  const res = await fetch(`${SANDBOX}/__sandbox/messages?${q}`);
  return ((await res.json()) as { messages: SandboxMessage[] }).messages;
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
