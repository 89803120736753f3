// Recorded history at scale: synthetic state changes over the last N days for the seeded fleet,
// each decided by the real engine (the agreement version in force on that date, today's consents)
// and written exactly as the worker writes them — state events, then decisions as sealed batches
// on the audit chain with report totals. For reports over tens of millions of decisions, the
// what-if replay and the ledger's speed on a year of history. Nothing is sent to partners.
import { sealDecisions } from "@proviso/audit";
import { groupByCategory, type ReportCause, FULFIL_REQUEST } from "@proviso/domain";
import { decideShare } from "@proviso/policy";
import { reserveIds, type Database } from "@proviso/db";
import { insertStateEvents } from "../ingest/bulk";
import { decisionRow, type DecisionRow } from "../lib/decision-row";
import { loadWorld, type DeviceInfo } from "@proviso/snapshot";

export interface HistoryOptions {
  /** Stop after about this many decisions. */
  decisions: number;
  days: number;
  now?: Date;
  /** Decisions per transaction (one sealed batch each). */
  batchSize?: number;
  seed?: number;
  onProgress?: (decisions: number, total: number) => void;
}

const CAUSES: ReportCause[] = ["physical", "app", "voice", "schedule", "periodic"];

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4_294_967_296;
  };
}

function change(device: DeviceInfo, r: () => number): Record<string, unknown> {
  const round = (x: number) => Math.round(x * 10) / 10;
  switch (device.kind) {
    case "thermostat": {
      const k = r();
      if (k < 0.55) return { temperature: round(17 + r() * 7) };
      if (k < 0.75) return { humidity: Math.round(30 + r() * 35) };
      if (k < 0.92) return { heatingSetpoint: round(18 + r() * 4), coolingSetpoint: round(23 + r() * 3) };
      return { hvacMode: (["heat", "cool", "auto", "off"] as const)[Math.floor(r() * 4)] };
    }
    case "lock":
      return { lockState: r() < 0.5 ? "locked" : "unlocked" };
    default: {
      const k = r();
      if (k < 0.4 && device.categories.includes("user.device.sensor.occupancy")) return { occupancy: r() < 0.5 };
      if (k < 0.7 && device.categories.includes("user.device.sensor.contact_state")) return { contactState: r() < 0.5 ? "open" : "closed" };
      return { temperature: round(17 + r() * 7) };
    }
  }
}

export async function generateHistory(db: Database, opts: HistoryOptions) {
  const world = await loadWorld(db);
  const now = (opts.now ?? new Date()).getTime();
  const start = now - opts.days * 86_400_000;
  const r = rng(opts.seed ?? 42);
  const linked = [...world.devices.values()].filter((d) => (world.linksByHome.get(d.homeId)?.length ?? 0) > 0);
  if (linked.length === 0) throw new Error("no device is in a home with a linked platform: seed first (npm run db:seed)");
  const decisionsPerChange = linked.reduce((n, d) => n + world.linksByHome.get(d.homeId)!.length, 0) / linked.length;
  const changes = Math.ceil(opts.decisions / decisionsPerChange);
  const step = (now - start) / changes;
  const batchSize = opts.batchSize ?? 20_000;
  let written = 0;
  let stateEvents = 0;
  let i = 0;
  while (i < changes) {
    const events: { device: DeviceInfo; at: number; properties: Record<string, unknown>; cause: ReportCause }[] = [];
    let planned = 0;
    for (; i < changes && planned < batchSize; i++) {
      const device = linked[Math.floor(r() * linked.length)]!;
      events.push({ device, at: Math.floor(start + i * step), properties: change(device, r), cause: CAUSES[Math.floor(r() * CAUSES.length)]! });
      planned += world.linksByHome.get(device.homeId)!.length;
    }
    await db.transaction(async (tx) => {
      const ids = await reserveIds(tx, "state_events_id_seq", events.length);
      await insertStateEvents(tx, {
        ids,
        deviceIds: events.map((e) => e.device.deviceId),
        homeIds: events.map((e) => e.device.homeId),
        seqs: events.map((e) => e.at * 1000),
        observedMs: events.map((e) => e.at),
        receivedMs: events.map((e) => e.at + 40),
        causes: events.map((e) => e.cause),
        properties: events.map((e) => JSON.stringify(e.properties)),
      });
      const rows: DecisionRow[] = [];
      events.forEach((e, k) => {
        const byCategory = groupByCategory(e.properties);
        for (const link of world.linksByHome.get(e.device.homeId)!) {
          for (const [category, properties] of byCategory) {
            const d = decideShare(world.policy, {
              partnerId: link.partnerId,
              homeId: e.device.homeId,
              modelKey: e.device.modelKey,
              category,
              mode: "proactive",
              purpose: FULFIL_REQUEST,
              at: e.at,
              properties,
              lastSentAt: null,
            });
            rows.push(
              decisionRow(d, {
                stage: "change",
                mode: "proactive",
                stateEventId: ids[k]!,
                homeId: e.device.homeId,
                deviceId: e.device.deviceId,
                partnerId: link.partnerId,
                linkId: link.linkId,
                category,
                observedAt: new Date(e.at),
                decidedAt: new Date(e.at + 40),
              }),
            );
          }
        }
      });
      await sealDecisions(tx, rows, { stage: "change" });
      written += rows.length;
    });
    stateEvents += events.length;
    opts.onProgress?.(written, opts.decisions);
  }
  return { stateEvents, decisions: written };
}
