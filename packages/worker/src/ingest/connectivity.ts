// Devices silent past a threshold become unreachable, and partners hear about it as connectivity
// (Alexa EndpointHealth, Google `online`); a device heard from again is reachable. The change goes
// through the same ingest as device reports: shadow, decisions and outbox in one transaction.
import type { StateReport } from "@proviso/domain";
import type { Database } from "@proviso/db";
import { sql } from "drizzle-orm";
import type { Adapters } from "@proviso/partners";
import type { World } from "@proviso/snapshot";
import { ingestReports } from "./ingest";
import type { ShadowCache } from "./shadow-cache";
import type { IngestResult } from "./types";

export interface ConnectivityOptions {
  world: World;
  adapters: Adapters;
  now: Date;
  /** Silent this long (no report, no heartbeat): unreachable. */
  silentMs: number;
  shadows: ShadowCache;
}

export async function detectConnectivity(db: Database, { world, adapters, now, silentMs, shadows }: ConnectivityOptions): Promise<IngestResult | null> {
  const cutoff = new Date(now.getTime() - silentMs);
  const rows = (
    await db.execute(sql`
      select s.device_id, s.reachable,
             greatest(s.last_report_at, d.last_seen_at) as last_heard
        from device_shadow s join devices d on d.id = s.device_id
       where (s.reachable and greatest(s.last_report_at, d.last_seen_at) < ${cutoff})
          or (not s.reachable and greatest(s.last_report_at, d.last_seen_at) >= ${cutoff})`)
  ).rows as { device_id: string; reachable: boolean }[];
  if (rows.length === 0) return null;
  // Connectivity is the worker's own observation: numbered by time, so each is newer than the last.
  const reports: StateReport[] = rows.map((r) => ({
    v: 1,
    deviceId: r.device_id,
    seq: now.getTime(),
    observedAt: now.toISOString(),
    cause: "periodic",
    properties: { connectivity: r.reachable ? "unreachable" : "ok" } as StateReport["properties"],
  }));
  return ingestReports(db, { world, adapters, reports: reports.map((report) => ({ source: "mqtt", raw: "", report })), now, shadows });
}
