// The runtime settings every process shares (ports, servers, data directory), read and validated
// once per process. Each app calls `loadRuntimeConfig(process.env)` at start-up; packages take the
// values they need as arguments.
import { z } from "zod";

const port = (fallback: number) => z.coerce.number().int().min(1).max(65_535).default(fallback);

export const runtimeEnvSchema = z.object({
  /** A PostgreSQL server. When unset, the launcher serves the embedded PGlite database. */
  DATABASE_URL: z.string().url().optional(),
  /** An MQTT broker. When unset, the launcher runs the embedded broker. */
  MQTT_URL: z.string().url().optional(),
  PROVISO_DATA_DIR: z.string().default(".data"),
  PGLITE_PORT: port(5433),
  /** The embedded database's password (npm start generates one under .data/). */
  PGLITE_PASSWORD: z.string().min(1).optional(),
  MQTT_PORT: port(1883),
  WEB_PORT: port(3000),
  WORKER_PORT: port(3001),
  SANDBOX_PORT: port(3002),
  /** Seconds between simulator heartbeats per device. */
  SIMULATOR_HEARTBEAT_SECONDS: z.coerce.number().positive().default(30),
  /** Reports per second the simulator sends across the fleet. */
  SIMULATOR_RATE: z.coerce.number().min(0).default(2),
  /** How the simulator reaches the worker: MQTT (as devices do), or HTTP batches to POST /v1/state-reports. */
  SIMULATOR_TRANSPORT: z.enum(["mqtt", "http"]).default("mqtt"),
  /** How often, per device and day, a simulated device drops off the network for 1–10 minutes (0: never). */
  SIMULATOR_OUTAGES_PER_DAY: z.coerce.number().min(0).max(1_000).default(1),
  /** Seconds between scheduler ticks (agreement activation and expiry). */
  SCHEDULER_INTERVAL_SECONDS: z.coerce.number().positive().default(5),
  /**
   * Connections per process. The embedded server multiplexes every connection onto one PGlite
   * session and breaks under concurrent extended-protocol queries, so the launcher sets 1 for it.
   */
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).optional(),
  /** 32 bytes, base64: encrypts partner tokens at rest (npm start generates one under .data/). */
  TOKEN_ENCRYPTION_KEY: z.string().min(40).optional(),
  /** 32 bytes, base64: the Ed25519 seed that signs audit checkpoints (npm start generates one under .data/). */
  AUDIT_SIGNING_KEY: z.string().min(40).optional(),
  /** Retired checkpoint keys still trusted for what they signed: comma-separated Ed25519 public keys (base64). */
  AUDIT_TRUSTED_KEYS: z.string().optional(),
  /** A remote signer the checkpoint key never leaves (POST { message } → { signature }), with its public key. */
  AUDIT_SIGNER_URL: z.string().url().optional(),
  AUDIT_SIGNER_PUBLIC_KEY: z.string().optional(),
  AUDIT_SIGNER_TOKEN: z.string().optional(),
  /** RFC 3161 Time-Stamp Authorities that stamp every checkpoint (comma-separated URLs), and their certificates (PEM files, same order). */
  AUDIT_TSA_URLS: z.string().optional(),
  AUDIT_TSA_CERTS: z.string().optional(),
  /** Witnesses that hold every checkpoint outside the database: directories (on other storage) and HTTP endpoints, comma-separated. */
  AUDIT_WITNESS_DIRS: z.string().optional(),
  AUDIT_WITNESS_URLS: z.string().optional(),
  AUDIT_WITNESS_TOKEN: z.string().optional(),
  /** Seconds between signed audit checkpoints (the worker's scheduler signs the chain's head). */
  AUDIT_CHECKPOINT_INTERVAL_SECONDS: z.coerce.number().positive().default(300),
  /** Seconds between the worker's verifications of the chain since the last checkpoint found good (0: none). */
  AUDIT_VERIFY_INTERVAL_SECONDS: z.coerce.number().min(0).default(3600),
  /** Seconds between scheduled verifications that go over the whole chain instead (0: none; a week by default). */
  AUDIT_WHOLE_VERIFY_INTERVAL_SECONDS: z.coerce.number().min(0).default(604_800),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /** The worker's MQTT client: it alone may read the devices' reports (npm start generates its password under .data/). */
  MQTT_USERNAME: z.string().min(1).default("proviso-worker"),
  MQTT_PASSWORD: z.string().min(1).optional(),
  /** The broker's dynamic-security admin: Proviso creates and deletes device clients as it (generated under .data/ for the embedded broker). */
  MQTT_ADMIN_USERNAME: z.string().min(1).default("proviso-admin"),
  MQTT_ADMIN_PASSWORD: z.string().min(1).optional(),
});

export type RuntimeConfig = z.infer<typeof runtimeEnvSchema> & {
  databaseUrl: string;
  mqttUrl: string;
  embeddedDatabase: boolean;
  embeddedBroker: boolean;
  urls: { web: string; worker: string; sandbox: string };
};

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Validates the environment; throws a ConfigError whose message names each bad variable. */
export function loadRuntimeConfig(env: Record<string, string | undefined> = process.env): RuntimeConfig {
  const parsed = runtimeEnvSchema.safeParse(stripEmpty(env));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  const c = parsed.data;
  return {
    ...c,
    databaseUrl: c.DATABASE_URL ?? `postgres://postgres:${encodeURIComponent(c.PGLITE_PASSWORD ?? "postgres")}@127.0.0.1:${c.PGLITE_PORT}/postgres`,
    mqttUrl: c.MQTT_URL ?? `mqtt://127.0.0.1:${c.MQTT_PORT}`,
    embeddedDatabase: !c.DATABASE_URL,
    embeddedBroker: !c.MQTT_URL,
    urls: {
      web: `http://localhost:${c.WEB_PORT}`,
      worker: `http://localhost:${c.WORKER_PORT}`,
      sandbox: `http://localhost:${c.SANDBOX_PORT}`,
    },
  };
}

function stripEmpty(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== "") out[k] = v;
  return out;
}

/** A broker URL with a client's credentials in it (how the worker's MQTT consumer takes them). */
export function withCredentials(url: string, credentials: { username: string; password: string } | null): string {
  if (!credentials) return url;
  const u = new URL(url);
  u.username = encodeURIComponent(credentials.username);
  u.password = encodeURIComponent(credentials.password);
  return u.toString();
}

/** Hides the password in a connection URL, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "<invalid url>";
  }
}

/**
 * V8 flags every worker process runs with (`npm start`, a replica in the e2e tests, the bench).
 * A 64 MB young generation, not V8's 16: a batch's reports, parsed and decided, live until its
 * commit (tens of milliseconds), so with the small one most of them survived a scavenge and were
 * copied; the bench measured 87 scavenge pauses and ≈ 680 ms of them per 100,000 changes against
 * ≈ 25 and ≈ 390 ms, the worker's CPU per change ≈ 40.6 → 36.7 µs and PostgreSQL throughput
 * ≈ 27,000 → 29,500 changes/s (128 MB did no better). It costs up to ≈ 100 MB more memory.
 */
export const WORKER_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=64"];
