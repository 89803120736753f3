// The worker's configuration, read and validated once at start-up: the settings every process
// shares (@proviso/config), the worker's own, and each platform's (packages/partners registry).
import { loadRuntimeConfig } from "@proviso/config";
import { createAdapters, platformSettingsErrors } from "@proviso/partners";
import { DEFAULT_DELIVERY_INTERVAL_MS } from "@proviso/worker";
import { z } from "zod";

const workerSchema = z.object({
  /** Shared-subscription group: replicas in one group split the reports between them (not the devices). Empty: none. */
  MQTT_SHARED_GROUP: z.string().default("proviso-workers"),
  MQTT_PROTOCOL_VERSION: z.enum(["4", "5"]).default("5"),
  /**
   * MQTT 5: how long the broker keeps the worker's session (what it received but had not yet
   * committed, and a share of what arrives meanwhile) after its connection drops; a worker back
   * within it (same host and WORKER_PORT) gets all of it. 0: clean sessions.
   */
  MQTT_SESSION_EXPIRY_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  DELIVERY_INTERVAL_MS: z.coerce.number().int().min(10).default(DEFAULT_DELIVERY_INTERVAL_MS),
  /** A device silent this long (no report, no heartbeat) becomes unreachable. */
  DEVICE_UNREACHABLE_SECONDS: z.coerce.number().int().min(10).default(120),
  /** Shadow rows the worker keeps a copy of (the least recently written go first); 0 keeps none. */
  SHADOW_CACHE_DEVICES: z.coerce.number().int().min(0).default(200_000),
});

/** The worker's own settings and the platforms'; throws naming each bad one. */
export function parseWorker(vars: Record<string, string | undefined>) {
  // Empty means unset, except for the shared group, where empty means "no shared subscription".
  const given = Object.fromEntries(Object.entries(vars).filter(([k, v]) => v !== "" || k === "MQTT_SHARED_GROUP"));
  const parsed = workerSchema.safeParse(given);
  const problems = [...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`)), ...platformSettingsErrors(vars)];
  if (!parsed.success || problems.length) throw new Error(`invalid configuration: ${problems.join("; ")}`);
  return parsed.data;
}

export function loadWorkerEnv(vars: Record<string, string | undefined> = process.env) {
  const runtime = loadRuntimeConfig(vars);
  return { ...runtime, ...parseWorker(vars), adapters: createAdapters(vars, runtime.urls.sandbox) };
}
