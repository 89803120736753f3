import { loadRuntimeConfig } from "@proviso/config";
import { PLATFORM_REQUESTS_PER_MINUTE, webhook } from "@proviso/partners";
import { DEFAULT_DELIVERY_INTERVAL_MS, requestSyncBeside } from "@proviso/pipeline";
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
  /** Partner endpoints; by default the partner sandbox plays them all. */
  ALEXA_EVENTS_URL: z.string().url().optional(),
  GOOGLE_REPORT_STATE_URL: z.string().url().optional(),
  /** Home Graph's requestSync; by default beside GOOGLE_REPORT_STATE_URL (or the sandbox's). */
  GOOGLE_REQUEST_SYNC_URL: z.string().url().optional(),
  WEBHOOK_BASE_URL: z.string().url().optional(),
  WEBHOOK_SECRET: z.string().min(16).default(webhook.SANDBOX_WEBHOOK_SECRET),
  /** Login with Amazon: where AcceptGrant codes are exchanged and tokens refreshed. */
  ALEXA_TOKEN_URL: z.string().url().optional(),
  ALEXA_CLIENT_ID: z.string().default("proviso-sandbox-client"),
  ALEXA_CLIENT_SECRET: z.string().default("proviso-sandbox-secret"),
  DELIVERY_INTERVAL_MS: z.coerce.number().int().min(10).default(DEFAULT_DELIVERY_INTERVAL_MS),
  /** Home Graph requests a minute for the whole integration: Google's published quota unless it granted more; 0: none. */
  GOOGLE_REQUESTS_PER_MINUTE: z.coerce.number().int().min(0).default(PLATFORM_REQUESTS_PER_MINUTE.google!),
  /** A device silent this long (no report, no heartbeat) becomes unreachable. */
  DEVICE_UNREACHABLE_SECONDS: z.coerce.number().int().min(10).default(120),
  /** Shadow rows the worker keeps a copy of (the least recently written go first); 0 keeps none. */
  SHADOW_CACHE_DEVICES: z.coerce.number().int().min(0).default(200_000),
}).superRefine((c, ctx) => {
  if (c.GOOGLE_REPORT_STATE_URL && !c.GOOGLE_REQUEST_SYNC_URL && !requestSyncBeside(c.GOOGLE_REPORT_STATE_URL)) {
    ctx.addIssue({
      code: "custom",
      path: ["GOOGLE_REQUEST_SYNC_URL"],
      message: "set it: GOOGLE_REPORT_STATE_URL does not end in devices:reportStateAndNotification, so where requestSync goes cannot be derived from it",
    });
  }
});

/** The worker's configuration, read and validated once at start-up. */
export const env = { ...loadRuntimeConfig(process.env), ...parseWorker(process.env) };

/** The worker's own settings; throws naming each bad one. */
export function parseWorker(vars: Record<string, string | undefined>) {
  // Empty means unset, except for the shared group, where empty means "no shared subscription".
  const given = Object.fromEntries(Object.entries(vars).filter(([k, v]) => v !== "" || k === "MQTT_SHARED_GROUP"));
  const parsed = workerSchema.safeParse(given);
  if (!parsed.success) {
    throw new Error(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  return parsed.data;
}
