import { devices, type Executor } from "@proviso/db";
import { inArray, sql } from "drizzle-orm";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isDeviceId(value: string): boolean {
  return UUID.test(value);
}

/** Marks devices as seen at `at` (one statement for the whole batch); returns how many exist. */
export async function recordHeartbeats(db: Executor, deviceIds: string[], at: Date): Promise<number> {
  const ids = [...new Set(deviceIds.filter(isDeviceId))];
  if (ids.length === 0) return 0;
  const updated = await db
    .update(devices)
    .set({ lastSeenAt: sql`greatest(coalesce(${devices.lastSeenAt}, ${at}), ${at})` })
    .where(inArray(devices.id, ids))
    .returning({ id: devices.id });
  return updated.length;
}
