// A batch's decisions and rejects as the rows the ledger and quarantine store.
import type { DecisionSetInsert } from "@proviso/audit";
import type { quarantine } from "@proviso/db";
import type { Decided, PendingSet } from "./decide-batch";
import type { Rejection } from "./validate";
import type { IncomingReport } from "./types";

/**
 * A pending set as written: its decisions' ids, reserved in blocks, are consecutive except where
 * one block ends, and a set never spans a gap, so it splits there (rare: a block holds 1,024).
 */
export function pushSets(out: DecisionSetInsert[], p: PendingSet, all: Decided, ids: readonly number[], stateEventId: number, decidedMs: number) {
  const n = p.count;
  let from = 0;
  for (let i = 1; i <= n; i++) {
    if (i < n && ids[p.start + i] === ids[p.start + i - 1]! + 1) continue;
    const a = p.start + from,
      b = p.start + i;
    out.push({
      id: ids[p.start + from]!,
      stateEventId,
      homeId: p.change.device.homeId,
      deviceId: p.change.device.deviceId,
      observedMs: p.change.observedMs,
      decidedMs,
      kinds: all.kinds.slice(a, b),
      linkIds: all.linkIds.slice(a, b),
      sents: all.sents.slice(a, b),
    });
    from = i;
  }
}

/**
 * What quarantine keeps of a rejected report: its first 8,192 characters, and where it came from.
 * A text column cannot hold a NUL character, so each is kept as the six characters `\u0000`: a
 * report carrying one is quarantined like any other, not refused by the database with its batch.
 */
export function quarantineRow(item: IncomingReport, r: Rejection): typeof quarantine.$inferInsert {
  const raw = (typeof item.raw === "string" ? item.raw : item.raw.toString("utf8")).slice(0, 8_192);
  return {
    source: item.source,
    topic: item.topic === undefined ? null : storable(item.topic),
    deviceRef: r.deviceRef === null ? null : storable(r.deviceRef),
    reasonCode: r.code,
    reason: storable(r.reason),
    raw: storable(raw),
  };
}

const storable = (text: string) => (text.includes("\u0000") ? text.replaceAll("\u0000", "\\u0000") : text);
