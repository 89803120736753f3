// One batch of state reports → shadow, state events, decisions and outbox rows, in one transaction.
// Rejected reports go to quarantine in the same transaction; nothing already accepted is lost.
//
// This is the worker's hot path (tens of thousands of changes a second): the decisions about one
// change go straight into one decision set (no object per decision), the engine's request object
// is reused, and every statement sends its columns as binary arrays.
import { appendBatchEntry, batchTotalsWrite, canonicalJson, decisionSetWrites, kindOf, type DecisionKind, type DecisionSetInsert, type KindInput } from "@proviso/audit";
import { DEADLOCK_DETECTED, executeWrites, quarantine, reserveForBatch, sqlStateOf, textArray, type Database } from "@proviso/db";
import { categoryGroups, categoryOfProperty, type CategoryGroups, type ReportCause, type ShadowProperty, type StateReport, FULFIL_REQUEST } from "@proviso/domain";
import { decideShare, type ShareRequest } from "@proviso/policy";
import { sql } from "drizzle-orm";
import { randomUUID } from "node:crypto";
import { emptyOutbox, lockShadows, outboxWrite, shadowsWrite, stateEventsWrite, takeShadows, type ShadowRow } from "./bulk";
import { sentJson, setSent, ShadowCache } from "./shadow-cache";
import type { Rejection } from "./validate";
import type { DeviceInfo, LinkInfo, World } from "@proviso/snapshot";

export { ShadowCache };

export interface IncomingReport {
  source: "mqtt" | "http";
  topic?: string;
  /** As received (an MQTT payload stays a Buffer: it is decoded again only if it goes to quarantine). */
  raw: string | Buffer;
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

/** Google overwrites whole traits: a thermostat change carries the rest of TemperatureSetting. */
const GOOGLE_TRAIT_CATEGORIES = [
  "user.device.sensor.temperature",
  "user.device.sensor.setpoint",
  "user.device.sensor.hvac_mode",
  "user.device.sensor.humidity",
];

/** The outbox kind of a state message, per adapter. */
const STATE_KIND: Record<LinkInfo["adapter"], string> = { alexa: "alexa.state", google: "google.state", webhook: "webhook.state" };

/** An accepted report that changed something: what changed, and for whom it is decided. */
interface Change {
  /** Its place among the batch's state events. */
  index: number;
  report: StateReport;
  device: DeviceInfo;
  observedMs: number;
  changed: Record<string, unknown>;
}

/**
 * The decisions about one change, before their ids are known: `count` of them from `start`, their
 * place in the batch's lists (`Decided`).
 */
interface PendingSet {
  change: Change;
  start: number;
  count: number;
}

/**
 * Every decision of a batch, in order, as three lists side by side: what it concluded, the link it
 * was about, what was (or would have been) sent. One list each for the batch, not three per change
 * grown a push at a time (a tenth of what the worker allocated per change).
 */
interface Decided {
  kinds: DecisionKind[];
  linkIds: string[];
  sents: (string | null)[];
}

/** Equal as stored: primitives by value, anything else by its JSON. */
const sameValue = (a: unknown, b: unknown) => a === b || (typeof a === "object" && typeof b === "object" && a !== null && b !== null && JSON.stringify(a) === JSON.stringify(b));

/**
 * `cache` holds the shadows this process last wrote (`shadow-cache.ts`): one per worker, shared by
 * its lanes, each of which holds its own devices.
 */
export async function ingestReports(db: Database, world: World, items: IncomingReport[], now: Date, cache: ShadowCache): Promise<IngestResult> {
  const nowMs = now.getTime();
  const quarantined: (typeof quarantine.$inferInsert)[] = [];
  const good: { report: StateReport; device: DeviceInfo }[] = [];
  for (const item of items) {
    if (item.rejection) {
      quarantined.push(quarantineRow(item, item.rejection));
    } else if (item.report) {
      const device = world.devices.get(item.report.deviceId);
      if (!device) {
        // Said on the item too: whoever submitted it (an HTTP caller) hears why.
        item.rejection = { code: "UNKNOWN_DEVICE", reason: `no device ${item.report.deviceId} is registered`, deviceRef: item.report.deviceId };
        quarantined.push(quarantineRow(item, item.rejection));
        continue;
      }
      // The directory's own string from here on: every later lookup by it hashes nothing new.
      item.report.deviceId = device.deviceId;
      good.push({ report: item.report, device });
    }
  }
  good.sort(({ report: a }, { report: b }) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : a.seq - b.seq));

  const deviceIds: string[] = [];
  for (let i = 0; i < good.length; i++) if (i === 0 || good[i]!.device !== good[i - 1]!.device) deviceIds.push(good[i]!.device.deviceId);
  // Where this process holds a copy of every shadow the batch needs (as it does of the devices it
  // keeps hearing from), the batch locks and reads nothing first: its write-back checks that each
  // row is still of the copy's revision. A row someone else wrote since (another replica) fails
  // the check; the batch is rolled back and done again the locking way.
  const batch: Batch = { good, quarantined, deviceIds, nowMs };
  const taken = good.length ? takeShadows(deviceIds, cache) : null;
  if (taken) {
    try {
      const r = await writeBatch(db, world, batch, cache, taken);
      cache.hits += taken.rows.length;
      return r;
    } catch (err) {
      // Its write-back takes row locks as the plan finds the rows, so it can meet a locking batch
      // of another replica head-on: the database ends one (a deadlock), and this one, like one
      // that found a row written since, is done again the locking way.
      if (!(err instanceof ShadowConflict) && sqlStateOf(err) !== DEADLOCK_DETECTED) throw err;
      cache.conflicts++;
    }
  }
  try {
    return await writeBatch(db, world, batch, cache, null);
  } catch (err) {
    // Locking batches lock their rows in one order and never deadlock each other; one ended by a
    // deadlock with a batch writing back copies it held goes again at once (the first try left
    // nothing: its transaction rolled back and its copies were taken out of the cache).
    if (sqlStateOf(err) !== DEADLOCK_DETECTED) throw err;
    return writeBatch(db, world, batch, cache, null);
  }
}

/** A batch as read: its accepted reports (sorted by device, then seq), their devices, its rejects. */
interface Batch {
  good: readonly { report: StateReport; device: DeviceInfo }[];
  quarantined: (typeof quarantine.$inferInsert)[];
  /** The batch's devices, once each, in order. */
  deviceIds: readonly string[];
  nowMs: number;
}

/** A batch's write-back found a shadow row written since the copy it was decided on. */
class ShadowConflict extends Error {}

/**
 * One attempt at a batch, in one transaction: shadows from `taken` (unlocked copies, checked at
 * the write-back) or else locked and read (`lockShadows`).
 */
async function writeBatch(db: Database, world: World, { good, quarantined, deviceIds, nowMs }: Batch, cache: ShadowCache, taken: { rows: ShadowRow[]; revisions: string[] } | null): Promise<IngestResult> {
  const result: IngestResult = {
    accepted: 0,
    unchanged: 0,
    stale: 0,
    quarantined: quarantined.length,
    stateEvents: 0,
    decisions: { send: 0, withhold: 0, transform: 0 },
    outbox: 0,
  };
  // The batch takes its shadows' copies out of `cache` when it locks their rows (or before, when
  // it takes them unlocked), and puts them back once it has committed.
  let locked: ShadowRow[] = [];
  let revision = "";
  await db.transaction(async (tx) => {
    if (quarantined.length) await tx.insert(quarantine).values(quarantined);
    if (good.length === 0) return;
    locked = taken ? taken.rows : await lockShadows(tx, deviceIds, cache);
    const shadows = new Map<string, ShadowRow>();
    for (const s of locked) shadows.set(s.deviceId, s);

    const changes: Change[] = [];
    const events = { deviceIds: [] as string[], homeIds: [] as string[], seqs: [] as number[], observedMs: [] as number[], receivedMs: [] as number[], causes: [] as ReportCause[], properties: [] as string[] };
    for (const { report, device } of good) {
      const shadow = shadows.get(device.deviceId)!;
      const reported = report.properties as Record<string, unknown>;
      const changed: Record<string, unknown> = {};
      let fresh = false, any = false;
      // A device heard from again after it was unreachable: partners hear it is back. (On a copy:
      // the report stays as it came, should this batch be tried again.)
      const connectivity = reported.connectivity;
      const properties = connectivity === undefined && !shadow.reachable ? { ...reported, connectivity: "ok" } : reported;
      const observedMs = Date.parse(report.observedAt);
      for (const name in properties) {
        const value = properties[name];
        const prev = shadow.properties[name] as ShadowProperty | undefined;
        // Connectivity is the worker's observation, ordered by time; everything else by the device's seq.
        const stale = prev !== undefined && (name === "connectivity" ? observedMs <= Date.parse(prev.observedAt) : report.seq <= prev.seq);
        if (stale) continue;
        fresh = true;
        if (prev === undefined || !sameValue(prev.value, value)) {
          changed[name] = value;
          any = true;
        }
        // In place where the shadow has the property: the batch owns its shadows (a copy taken out
        // of the cache, or rows it read), and the cached copies live long, so every new object
        // here is one the garbage collector would move to the old generation.
        if (prev === undefined) shadow.properties[name] = { seq: report.seq, value, observedAt: report.observedAt, cause: report.cause };
        else {
          prev.seq = report.seq;
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
      if (!fresh) {
        shadow.stale++;
        result.stale++;
        continue;
      }
      result.accepted++;
      if (!any) {
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

    // Decide every changed category for every active link of the home: one decision set per change.
    const pending: PendingSet[] = [];
    // Outbox rows, column by column; `decisionIds` holds each message's first decision's place in
    // the batch until the ids are reserved.
    const outbox = emptyOutbox();
    const req: ShareRequest = { partnerId: "", homeId: "", modelKey: "", category: "", mode: "proactive", purpose: FULFIL_REQUEST, at: 0, properties: {}, lastSentAt: null };
    const all: Decided = { kinds: [], linkIds: [], sents: [] };
    // What the decisions below are about: one change, one of its home's links (set before each).
    let c!: Change, link!: LinkInfo, set!: PendingSet, shadow!: ShadowRow;
    const draft: Draft = { changed: [], changedJson: "", context: [], contextJson: "" };
    // What `kindOf` is asked, reused like `req` (it keeps nothing of it).
    const kind: KindInput = { partnerId: "", categoryKey: "", mode: "proactive", stage: "change", outcome: "", reasons: [], agreementVersionId: null, clauseKeys: [], consentVersion: null };
    const decide = (category: string, properties: Record<string, unknown>, asContext: boolean) => {
      req.partnerId = link.partnerId;
      req.category = category;
      req.properties = properties;
      req.lastSentAt = shadow.sent.get(link.partnerId)?.get(category)?.at ?? null;
      const d = decideShare(world.policy, req);
      result.decisions[d.outcome]++;
      kind.partnerId = link.partnerId;
      kind.categoryKey = category;
      kind.outcome = d.outcome;
      kind.reasons = d.reasons;
      kind.agreementVersionId = d.agreementVersionId;
      kind.clauseKeys = d.clauseKeys;
      kind.consentVersion = d.consentVersion;
      all.kinds.push(kindOf(kind));
      all.linkIds.push(link.linkId);
      set.count++;
      if (d.outcome === "withhold") {
        all.sents.push(null);
        return;
      }
      // The engine's object, shared by the memo and the ledger, and its canonical text, shared by
      // the ledger, the memo and the message: nothing changes either later.
      const sent = d.properties as Record<string, unknown>;
      const json = canonicalJson(sent);
      all.sents.push(json);
      addToDraft(draft, category, json, asContext);
      setSent(shadow.sent, link.partnerId, category, { at: c.observedMs, properties: sent, json });
      shadow.sentSet = true;
    };
    for (c of changes) {
      const links = world.linksByHome.get(c.device.homeId);
      if (!links || links.length === 0) continue;
      set = { change: c, start: all.kinds.length, count: 0 };
      const byCategory = categoryGroups(c.changed);
      shadow = shadows.get(c.device.deviceId)!;
      req.homeId = c.device.homeId;
      req.modelKey = c.device.modelKey;
      req.at = c.observedMs;
      for (link of links) {
        const first = all.kinds.length;
        draft.changed.length = draft.context.length = 0;
        draft.changedJson = draft.contextJson = "";
        for (let i = 0; i < byCategory.categories.length; i++) decide(byCategory.categories[i]!, byCategory.properties[i]!, false);
        if (draft.changed.length === 0) continue;
        if (link.adapter === "google" && c.device.kind === "thermostat") completeGoogleTrait(c, link, shadow, byCategory, draft, decide);
        outbox.messageIds.push(randomUUID());
        outbox.partnerIds.push(link.partnerId);
        outbox.linkIds.push(link.linkId);
        outbox.homeIds.push(c.device.homeId);
        outbox.deviceIds.push(c.device.deviceId);
        outbox.decisionIds.push(first);
        outbox.kinds.push(STATE_KIND[link.adapter]);
        outbox.categoryKeys.push(textArray(draft.context.length ? [...draft.changed, ...draft.context] : draft.changed));
        outbox.payloads.push(payloadJson(c, draft));
        outbox.observedMs.push(c.observedMs);
      }
      if (set.count) pending.push(set);
    }

    // Every id and the sealed batch's number in one round trip, then the rows.
    const reserved = changes.length ? await reserveForBatch(tx, { stateEvents: changes.length, decisions: all.kinds.length }) : { batch: 0, stateEvents: [], decisions: [] };
    const eventIds = reserved.stateEvents;
    const decisionIds = reserved.decisions;
    result.stateEvents = changes.length;
    const sets: DecisionSetInsert[] = [];
    for (const p of pending) pushSets(sets, p, all, decisionIds, eventIds[p.change.index]!, nowMs);
    const setWrites = decisionSetWrites(reserved.batch, sets);
    for (let i = 0; i < outbox.decisionIds.length; i++) outbox.decisionIds[i] = decisionIds[outbox.decisionIds[i]!] ?? null;
    result.outbox = outbox.messageIds.length;
    // Every row in one statement: state events, decision sets (with new kinds and chunk roots),
    // outbox, the shadows (every locked one changed: a stale report still counts and a fresh one
    // moves it on) and the report totals.
    const done = await executeWrites<{ shadows: number; tx: string }>(
      tx,
      [
        stateEventsWrite({ ids: eventIds, ...events }),
        ...(setWrites?.writes ?? []),
        outboxWrite(outbox, nowMs),
        shadowsWrite(locked, nowMs, taken?.revisions),
        setWrites && batchTotalsWrite(setWrites.written),
      ],
      sql`select (select count(*) from shadow_rows)::int as shadows, txid_current()::text as tx`,
    );
    if (done!.shadows !== locked.length) {
      if (taken) throw new ShadowConflict(`${locked.length - done!.shadows} of the batch's ${locked.length} shadows were written by someone else`);
      throw new Error(`the batch wrote ${done!.shadows} of its ${locked.length} locked shadows`);
    }
    // Each row's revision from here on: this transaction's id.
    revision = done!.tx;
    // Sealed last (the chain entry with the batch's Merkle root): the chain's head stays locked
    // only from here to the commit.
    if (setWrites) await appendBatchEntry(tx, setWrites.written, { stage: "change" });
  });
  for (const s of locked) cache.set(s.deviceId, { revision, reachable: s.reachable, properties: s.properties, sent: s.sent });
  return result;
}

/**
 * A pending set as written: its decisions' ids, reserved in blocks, are consecutive except where
 * one block ends, and a set never spans a gap, so it splits there (rare: a block holds 1,024).
 */
function pushSets(out: DecisionSetInsert[], p: PendingSet, all: Decided, ids: readonly number[], stateEventId: number, decidedMs: number) {
  const n = p.count;
  let from = 0;
  for (let i = 1; i <= n; i++) {
    if (i < n && ids[p.start + i] === ids[p.start + i - 1]! + 1) continue;
    const a = p.start + from, b = p.start + i;
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
 * Google overwrites whole traits: a thermostat change carries the rest of TemperatureSetting. What
 * Google already has completes the trait without telling it anything new (a change held back by
 * a minimum interval stays held back); what it never had is decided like a change.
 */
function completeGoogleTrait(
  c: Change,
  link: LinkInfo,
  shadow: ShadowRow,
  byCategory: CategoryGroups,
  draft: Draft,
  decide: (category: string, properties: Record<string, unknown>, asContext: boolean) => void,
) {
  for (const category of GOOGLE_TRAIT_CATEGORIES) {
    if (draft.changed.includes(category) || !c.device.categories.includes(category)) continue;
    const known = shadow.sent.get(link.partnerId)?.get(category);
    if (known) {
      addToDraft(draft, category, sentJson(known), true);
      continue;
    }
    if (byCategory.categories.includes(category)) continue;
    const props = propertiesOf(shadow.properties, category);
    if (hasAny(props)) decide(category, props, true);
  }
}

/**
 * The outbox message being made for one link: its categories, and its payload's members as JSON
 * text (each category's values are the text the ledger stores, made once).
 */
interface Draft {
  changed: string[];
  changedJson: string;
  context: string[];
  contextJson: string;
}

/** `"category":` for each category key (a taxonomy has a few dozen), made once. */
const memberPrefixes = new Map<string, string>();
const memberPrefix = (category: string) => memberPrefixes.get(category) ?? memberPrefixes.set(category, `${JSON.stringify(category)}:`).get(category)!;

function addToDraft(draft: Draft, category: string, json: string, asContext: boolean) {
  const member = memberPrefix(category) + json;
  if (asContext) {
    draft.contextJson += draft.context.length ? `,${member}` : member;
    draft.context.push(category);
  } else {
    draft.changedJson += draft.changed.length ? `,${member}` : member;
    draft.changed.push(category);
  }
}

/** The message's payload (`OutboxPayload`) as JSON text; the device id is a uuid and the cause a code. */
const payloadJson = (c: Change, d: Draft) =>
  `{"deviceId":"${c.device.deviceId}","cause":"${c.report.cause}","observedAt":${JSON.stringify(c.report.observedAt)},"changed":{${d.changedJson}},"context":{${d.contextJson}}}`;

/**
 * What quarantine keeps of a rejected report: its first 8,192 characters, and where it came from.
 * A text column cannot hold a NUL character, so each is kept as the six characters `\u0000`: a
 * report carrying one is quarantined like any other, not refused by the database with its batch.
 */
function quarantineRow(item: IncomingReport, r: Rejection): typeof quarantine.$inferInsert {
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

function hasAny(o: object) {
  for (const _ in o) return true;
  return false;
}

function propertiesOf(shadow: Record<string, ShadowProperty>, category: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(shadow)) if (categoryOfProperty(name) === category) out[name] = p.value;
  return out;
}
