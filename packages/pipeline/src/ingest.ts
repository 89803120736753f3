// One batch of state reports → shadow, state events, decisions and outbox rows, in one transaction.
// Rejected reports go to quarantine in the same transaction; nothing already accepted is lost.
import { categoryOfProperty, groupByCategory, type ReportCause, type ShadowProperty, type StateReport } from "@proviso/domain";
import { decideShare } from "@proviso/policy";
import { quarantine, reserveForBatch, type Database } from "@proviso/db";
import { sealBatch, writeDecisions } from "@proviso/audit";
import { insertOutbox, insertStateEvents, lockShadows, updateShadows, type OutboxRow } from "./bulk";
import { decisionRow, type DecisionRow } from "./decision-row";
import { randomUUID } from "node:crypto";
import type { Rejection } from "./validate";
import type { World } from "./world";

export interface IncomingReport {
  source: "mqtt" | "http";
  topic?: string;
  raw: string;
  report?: StateReport;
  rejection?: Rejection;
}

export interface IngestResult {
  accepted: number;
  unchanged: number;
  stale: number;
  quarantined: number;
  stateEvents: number;
  decisions: { send: number; withhold: number; transform: number };
  outbox: number;
}

/** The outbox payload: internal form; the adapter builds the wire format after re-deciding. */
export interface OutboxPayload {
  deviceId: string;
  cause: ReportCause;
  observedAt: string;
  /** category → allowed (minimised) properties that changed. */
  changed: Record<string, Record<string, unknown>>;
  /** category → allowed properties sent to complete a trait (Google). */
  context: Record<string, Record<string, unknown>>;
}

/**
 * What each device × partner × category last sent, and when: for a clause's minimum interval, and
 * to complete a Google trait with the value the partner already has.
 */
export type LastSent = Map<string, { at: number; properties: Record<string, unknown> }>;

const PURPOSE = "functional.service.fulfil_request";
/** Google overwrites whole traits: a thermostat change carries the rest of TemperatureSetting. */
const GOOGLE_TRAIT_CATEGORIES = [
  "user.device.sensor.temperature",
  "user.device.sensor.setpoint",
  "user.device.sensor.hvac_mode",
  "user.device.sensor.humidity",
];

export async function ingestReports(db: Database, world: World, items: IncomingReport[], now: Date, lastSent: LastSent): Promise<IngestResult> {
  const result: IngestResult = {
    accepted: 0,
    unchanged: 0,
    stale: 0,
    quarantined: 0,
    stateEvents: 0,
    decisions: { send: 0, withhold: 0, transform: 0 },
    outbox: 0,
  };
  const quarantined: (typeof quarantine.$inferInsert)[] = [];
  const good: StateReport[] = [];
  for (const item of items) {
    if (item.rejection) {
      quarantined.push({ source: item.source, topic: item.topic ?? null, deviceRef: item.rejection.deviceRef, reasonCode: item.rejection.code, reason: item.rejection.reason, raw: item.raw.slice(0, 8_192) });
    } else if (item.report && !world.devices.has(item.report.deviceId)) {
      quarantined.push({ source: item.source, topic: item.topic ?? null, deviceRef: item.report.deviceId, reasonCode: "UNKNOWN_DEVICE", reason: `no device ${item.report.deviceId} is registered`, raw: item.raw.slice(0, 8_192) });
    } else if (item.report) good.push(item.report);
  }
  result.quarantined = quarantined.length;
  good.sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : a.seq - b.seq));

  await db.transaction(async (tx) => {
    if (quarantined.length) await tx.insert(quarantine).values(quarantined);
    if (good.length === 0) return;
    const ids = [...new Set(good.map((r) => r.deviceId))].sort();
    const shadows = new Map((await lockShadows(tx, ids)).map((s) => [s.deviceId, s]));

    interface Change { report: StateReport; homeId: string; changed: Record<string, unknown> }
    const changes: Change[] = [];
    for (const report of good) {
      const shadow = shadows.get(report.deviceId)!;
      const changed: Record<string, unknown> = {};
      let fresh = false;
      // A device heard from again after it was unreachable: partners hear it is back.
      const connectivity = (report.properties as Record<string, unknown>).connectivity;
      if (connectivity === undefined && !shadow.reachable) {
        (report.properties as Record<string, unknown>).connectivity = "ok";
      }
      for (const [name, value] of Object.entries(report.properties)) {
        const prev = shadow.properties[name] as ShadowProperty | undefined;
        // Connectivity is the worker's observation, ordered by time; everything else by the device's seq.
        const stale =
          name === "connectivity" ? prev && Date.parse(report.observedAt) <= Date.parse(prev.observedAt) : prev && report.seq <= prev.seq;
        if (stale) continue;
        fresh = true;
        if (!prev || JSON.stringify(prev.value) !== JSON.stringify(value)) changed[name] = value;
        const property = { seq: report.seq, value, observedAt: report.observedAt, cause: report.cause };
        shadow.properties[name] = property;
        (shadow.delta ??= {})[name] = property;
      }
      if (connectivity === undefined) {
        shadow.lastReportAt = now;
      }
      shadow.reachable = (report.properties as Record<string, unknown>).connectivity !== "unreachable";
      if (!fresh) {
        shadow.staleReports++;
        result.stale++;
        continue;
      }
      result.accepted++;
      if (Object.keys(changed).length === 0) {
        result.unchanged++;
        continue;
      }
      shadow.version++;
      changes.push({ report, homeId: world.devices.get(report.deviceId)!.homeId, changed });
    }

    const decisionRows: DecisionRow[] = [];
    const messages: { row: Omit<OutboxRow, "decisionId">; firstDecision: number }[] = [];
    changes.forEach((c, i) => {
      const device = world.devices.get(c.report.deviceId)!;
      const at = Date.parse(c.report.observedAt);
      const observedAt = new Date(at);
      const byCategory = groupByCategory(c.changed);
      for (const link of world.linksByHome.get(c.homeId) ?? []) {
        const first = decisionRows.length;
        const payload: OutboxPayload = { deviceId: device.deviceId, cause: c.report.cause, observedAt: c.report.observedAt, changed: {}, context: {} };
        const decide = (category: string, properties: Record<string, unknown>, asContext: boolean) => {
          const key = `${device.deviceId}|${link.partnerId}|${category}`;
          const d = decideShare(world.policy, {
            partnerId: link.partnerId,
            homeId: c.homeId,
            modelKey: device.modelKey,
            category,
            mode: "proactive",
            purpose: PURPOSE,
            at,
            properties,
            lastSentAt: lastSent.get(key)?.at ?? null,
          });
          result.decisions[d.outcome]++;
          decisionRows.push(
            decisionRow(d, {
              stage: "change",
              mode: "proactive",
              // The change's index for now: ids are reserved once the batch's size is known.
              stateEventId: i,
              homeId: c.homeId,
              deviceId: device.deviceId,
              partnerId: link.partnerId,
              linkId: link.linkId,
              category,
              observedAt,
              decidedAt: now,
            }),
          );
          if (d.outcome !== "withhold") {
            // The engine's object, shared by the payload and the memo: nothing changes either later.
            const sent = d.properties as Record<string, unknown>;
            (asContext ? payload.context : payload.changed)[category] = sent;
            lastSent.set(key, { at, properties: sent });
          }
        };
        for (const [category, properties] of byCategory) decide(category, properties, false);
        if (link.adapter === "google" && device.kind === "thermostat" && Object.keys(payload.changed).length > 0) {
          const shadow = shadows.get(device.deviceId)!;
          for (const category of GOOGLE_TRAIT_CATEGORIES) {
            if (category in payload.changed || !device.categories.includes(category)) continue;
            // What Google already has completes the trait without telling it anything new (a
            // change held back by a minimum interval stays held back).
            const known = lastSent.get(`${device.deviceId}|${link.partnerId}|${category}`);
            if (known) {
              payload.context[category] = known.properties;
              continue;
            }
            if (byCategory.has(category)) continue;
            const props = propertiesOf(shadow.properties, category);
            if (Object.keys(props).length) decide(category, props, true);
          }
        }
        if (Object.keys(payload.changed).length > 0) {
          messages.push({
            firstDecision: first,
            row: {
              messageId: randomUUID(),
              partnerId: link.partnerId,
              linkId: link.linkId,
              homeId: c.homeId,
              deviceId: device.deviceId,
              kind: `${link.adapter}.state`,
              categoryKeys: [...Object.keys(payload.changed), ...Object.keys(payload.context)],
              payload,
              observedAt: c.report.observedAt,
              createdAt: now,
            },
          });
        }
      }
    });

    // Every id and the sealed batch's number in one round trip, then the rows.
    const reserved = changes.length ? await reserveForBatch(tx, { stateEvents: changes.length, decisions: decisionRows.length }) : { batch: 0, stateEvents: [], decisions: [] };
    const eventIds = reserved.stateEvents;
    const decisionIds = reserved.decisions;
    await insertStateEvents(
      tx,
      changes.map((c, i) => ({
        id: eventIds[i]!,
        deviceId: c.report.deviceId,
        homeId: c.homeId,
        seq: c.report.seq,
        observedAt: c.report.observedAt,
        receivedAt: now,
        cause: c.report.cause,
        properties: c.changed,
      })),
    );
    result.stateEvents = changes.length;
    for (let k = 0; k < decisionRows.length; k++) {
      const row = decisionRows[k]!;
      row.id = decisionIds[k]!;
      row.stateEventId = eventIds[row.stateEventId!]!;
    }
    const written = await writeDecisions(tx, decisionRows, reserved);
    await insertOutbox(tx, messages.map((m) => ({ ...m.row, decisionId: decisionIds[m.firstDecision] ?? null })));
    result.outbox = messages.length;

    // Every locked shadow changed: a stale report still counts and a fresh one moves it on.
    await updateShadows(tx, [...shadows.values()], now);
    // Sealed last (report totals, then the chain entry with the batch's Merkle root): the chain's
    // head stays locked only from here to the commit.
    if (written) await sealBatch(tx, written, { stage: "change" });
  });
  return result;
}

function propertiesOf(shadow: Record<string, ShadowProperty>, category: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(shadow)) if (categoryOfProperty(name) === category) out[name] = p.value;
  return out;
}
