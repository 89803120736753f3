// Collects device heartbeats from MQTT and writes them in one batch per interval (a device heard
// twice in one interval is written once, and counted once, as accepted or, if no such device, unknown).
import { deviceIdOfTopic } from "@proviso/domain";
import { isDeviceId, recordHeartbeats } from "@proviso/core";
import type { Database } from "@proviso/db";
import type { Metrics } from "../metrics";

export const HEARTBEAT_TOPIC = "proviso/v1/devices/+/heartbeat";

/** Writes that these devices (each once) were heard from now; counts them accepted, or unknown where no such device. */
export async function writeHeartbeats(db: Database, metrics: Metrics, deviceIds: readonly string[]): Promise<number> {
  const recorded = await recordHeartbeats(db, [...deviceIds], new Date());
  metrics.heartbeats.inc({ result: "accepted" }, recorded);
  if (deviceIds.length > recorded) metrics.heartbeats.inc({ result: "unknown" }, deviceIds.length - recorded);
  return recorded;
}

export function createHeartbeatSink(db: Database, metrics: Metrics, opts: { intervalMs?: number; onError?: (err: Error) => void } = {}) {
  let pending = new Set<string>();
  let flushing: Promise<void> = Promise.resolve();

  const flush = () => {
    flushing = flushing.then(async () => {
      if (pending.size === 0) return;
      const batch = [...pending];
      pending = new Set();
      try {
        await writeHeartbeats(db, metrics, batch);
      } catch (err) {
        // Keep the batch for the next flush: a database restart must not lose what arrived.
        for (const id of batch) pending.add(id);
        (opts.onError ?? ((e: Error) => console.error(`heartbeat batch not written (${batch.length} devices): ${e.message}`)))(err as Error);
      }
    });
    return flushing;
  };
  const timer = setInterval(flush, opts.intervalMs ?? 1_000);

  return {
    /** Handles one MQTT message on `proviso/v1/devices/{id}/heartbeat`. */
    accept(topic: string) {
      const deviceId = deviceIdOfTopic(topic) ?? "";
      if (!isDeviceId(deviceId)) {
        metrics.heartbeats.inc({ result: "rejected" });
        return;
      }
      pending.add(deviceId);
    },
    async stop() {
      clearInterval(timer);
      await flush();
    },
  };
}
