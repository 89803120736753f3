// Reports merged into their devices' shadows: per property the last seq, value, observed-at and
// cause; stale and duplicate reports change nothing (and are counted); what changed becomes a
// state event. In place: the batch owns its shadows (copies taken out of the cache, or rows it
// read), and the cached copies live long, so every new object here is one the collector would move.
import { SEQ_BOUNDS, type ReportCause, type ShadowProperty, type StateReport } from "@proviso/domain";
import type { DeviceInfo } from "@proviso/snapshot";
import type { ShadowRow } from "./bulk";
import type { IngestResult } from "./types";

/** An accepted report that changed something: what changed, and for whom it is decided. */
export interface Change {
  /** Its place among the batch's state events. */
  index: number;
  report: StateReport;
  device: DeviceInfo;
  observedMs: number;
  changed: Record<string, unknown>;
}

/** State events, column by column (ids are reserved later). */
export interface EventColumns {
  deviceIds: string[];
  homeIds: string[];
  seqs: number[];
  observedMs: number[];
  receivedMs: number[];
  causes: ReportCause[];
  properties: string[];
}

/** Equal as stored: primitives by value, anything else by its JSON. */
const sameValue = (a: unknown, b: unknown) =>
  a === b || (typeof a === "object" && typeof b === "object" && a !== null && b !== null && JSON.stringify(a) === JSON.stringify(b));

/** Merges each report (sorted by device, then seq) into its shadow; returns the changes, their state events, and the reports out of bounds. */
export function mergeIntoShadows<G extends { report: StateReport; device: DeviceInfo }>(
  good: readonly G[],
  shadows: ReadonlyMap<string, ShadowRow>,
  result: IngestResult,
  nowMs: number,
): { changes: Change[]; events: EventColumns; outOfBounds: { entry: G; reason: string }[] } {
  const changes: Change[] = [];
  const events: EventColumns = { deviceIds: [], homeIds: [], seqs: [], observedMs: [], receivedMs: [], causes: [], properties: [] };
  const outOfBounds: { entry: G; reason: string }[] = [];
  for (const entry of good) {
    const { report, device } = entry;
    const shadow = shadows.get(device.deviceId)!;
    const leap = outOfBoundsReason(shadow, report, nowMs);
    if (leap !== null) {
      outOfBounds.push({ entry, reason: leap });
      continue;
    }
    const observedMs = Date.parse(report.observedAt);
    const changed = mergeReport(shadow, report, observedMs);
    if (changed === STALE) {
      shadow.stale++;
      result.stale++;
      continue;
    }
    result.accepted++;
    if (changed === UNCHANGED) {
      result.unchanged++;
      continue;
    }
    shadow.changes++;
    changes.push({ index: changes.length, report, device, observedMs, changed });
    events.deviceIds.push(device.deviceId);
    events.homeIds.push(device.homeId);
    events.seqs.push(report.seq);
    events.observedMs.push(observedMs);
    events.receivedMs.push(nowMs);
    events.causes.push(report.cause);
    events.properties.push(JSON.stringify(changed));
  }
  return { changes, events, outOfBounds };
}

/**
 * Why a report's (boot, seq) cannot follow the device's last accepted one (SEQ_BOUNDS), or null.
 * Nearly every report is within the slack of the last, and is let through without reading a clock.
 */
function outOfBoundsReason(shadow: ShadowRow, report: StateReport, nowMs: number): string | null {
  // The worker's own connectivity observation (no device may report connectivity): ordered by time.
  if ("connectivity" in report.properties) return null;
  const boot = report.boot ?? 0;
  let lastBoot = -1;
  let lastSeq = 0;
  for (const name in shadow.properties) {
    if (name === "connectivity") continue; // the worker's own observation
    const p = shadow.properties[name]!;
    const b = p.boot ?? 0;
    if (b > lastBoot || (b === lastBoot && p.seq > lastSeq)) {
      lastBoot = b;
      lastSeq = p.seq;
    }
  }
  if (lastBoot < 0 || boot < lastBoot) return null; // its first report; or an older boot, stale
  const from = boot === lastBoot ? lastSeq : 0;
  if (boot - lastBoot <= SEQ_BOUNDS.bootSlack && report.seq - from <= SEQ_BOUNDS.seqSlack) return null;
  let lastMs = 0;
  for (const name in shadow.properties) if (name !== "connectivity") lastMs = Math.max(lastMs, Date.parse(shadow.properties[name]!.observedAt));
  const seconds = Math.max(0, (nowMs - lastMs) / 1000);
  if (boot - lastBoot > SEQ_BOUNDS.bootSlack + Math.floor(seconds / SEQ_BOUNDS.secondsPerBoot)) {
    return `boot ${boot} leaps past the device's last (${lastBoot}) more than ${Math.round(seconds)} s since allow`;
  }
  if (report.seq - from > SEQ_BOUNDS.seqSlack + SEQ_BOUNDS.seqPerSecond * seconds) {
    return `seq ${report.seq} leaps past the device's last (${from}${boot === lastBoot ? "" : ", a new boot"}) more than ${Math.round(seconds)} s since allow`;
  }
  return null;
}

const STALE = 0;
const UNCHANGED = 1;

/** One report into its shadow: what changed, or that nothing was fresh (STALE) or nothing moved (UNCHANGED). */
function mergeReport(shadow: ShadowRow, report: StateReport, observedMs: number): Record<string, unknown> | typeof STALE | typeof UNCHANGED {
  const reported = report.properties as Record<string, unknown>;
  const boot = report.boot ?? 0;
  const changed: Record<string, unknown> = {};
  let fresh = false,
    any = false;
  // A device heard from again after it was unreachable: partners hear it is back. (On a copy: the
  // report stays as it came, should this batch be tried again.)
  const connectivity = reported.connectivity;
  const properties = connectivity === undefined && !shadow.reachable ? { ...reported, connectivity: "ok" } : reported;
  for (const name in properties) {
    const value = properties[name];
    const prev = shadow.properties[name] as ShadowProperty | undefined;
    // Connectivity is the worker's observation, ordered by time; everything else by the device's (boot, seq).
    const stale =
      prev !== undefined &&
      (name === "connectivity" ? observedMs <= Date.parse(prev.observedAt) : boot < (prev.boot ?? 0) || (boot === (prev.boot ?? 0) && report.seq <= prev.seq));
    if (stale) continue;
    fresh = true;
    if (prev === undefined || !sameValue(prev.value, value)) {
      changed[name] = value;
      any = true;
    }
    if (prev === undefined) shadow.properties[name] = { seq: report.seq, ...(boot ? { boot } : {}), value, observedAt: report.observedAt, cause: report.cause };
    else {
      prev.seq = report.seq;
      if (boot) prev.boot = boot;
      else delete prev.boot;
      prev.value = value;
      prev.observedAt = report.observedAt;
      prev.cause = report.cause;
    }
    shadow.propertiesSet = true;
  }
  if (connectivity === undefined) shadow.reported = true;
  // Reachable as the shadow's connectivity says: a report older than the device's being marked
  // unreachable (stale, or delivered late) does not bring it back.
  shadow.reachable = (shadow.properties.connectivity?.value ?? "ok") !== "unreachable";
  return !fresh ? STALE : any ? changed : UNCHANGED;
}
