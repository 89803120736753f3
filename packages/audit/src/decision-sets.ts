// Decision sets: the decisions made about one change (or one request) at one moment, with
// consecutive ids, stored as one `decision_sets` row and hashed as one leaf of their batch's Merkle
// tree. What the decisions share (state event, home, device, times) is stored and hashed once;
// what each concluded is its kind, named in the leaf by id, and the batch's chain entry carries
// the digest of every kind its sets name, so a kind altered later no longer matches.
//
// This is the worker's hot path: one statement for the rows, no per-decision objects beyond the
// caller's, the sets' columns sent as binary arrays.
import { binary, executeWrites, jsonArray, plainArray, textArray, write, type Executor } from "@proviso/db";
import { sql, type SQL } from "drizzle-orm";
import { canonicalJson } from "./canonical";
import type { DecisionKind } from "./kinds";
import { CHUNK_LEVEL, leafHash, merkleLevels } from "./merkle";

/** What a set's decisions share: stored and hashed once. */
interface SetSubject {
  /** The first decision's id; decision i of the set has id `id + i`. */
  id: number;
  stateEventId: number | null;
  homeId: string;
  deviceId: string;
  /** Epoch milliseconds. */
  observedMs: number;
  decidedMs: number;
}

/**
 * A decision set to write (its ids reserved by the caller). Per decision, in id order: what it
 * concluded, the link it was about, what was (or would have been) sent as canonical JSON.
 */
export interface DecisionSetInsert extends SetSubject {
  kinds: readonly DecisionKind[];
  linkIds: readonly (string | null)[];
  sents: readonly (string | null)[];
}

/** A set as stored: exactly what its leaf commits to (its kinds by id, its values as canonical JSON). */
export interface StoredSet extends SetSubject {
  auditBatch: number;
  kindIds: readonly number[];
  linkIds: readonly (string | null)[];
  sents: readonly (string | null)[];
}

/** How a sealed batch's chain entry says its leaves are built: one per decision set. */
export const SET_LEAVES = "sets";

/**
 * The leaf text of a set: its fields in a fixed order as a JSON array, ids and uuids as JSON,
 * times as epoch milliseconds, the values sent in canonical form. The same text whether built from
 * the set being written or from the row read back (a test holds the two together).
 */
export function setLeafText(s: StoredSet): string {
  let kinds = "",
    links = "",
    sents = "";
  for (let i = 0; i < s.kindIds.length; i++) {
    const sep = i ? "," : "";
    kinds += sep + s.kindIds[i];
    links += sep + linkText(s.linkIds[i]);
    sents += sep + (s.sents[i] ?? "null");
  }
  return leafText(s, s.auditBatch, kinds, links, sents);
}

// Links, homes and devices are uuids (the columns say so, and an insert of anything else fails), so
// their JSON is the text in quotes: JSON.stringify, which checks every character for escaping, was
// 3 % of the worker's CPU here.
const linkText = (link: string | null | undefined) => (link == null ? "null" : `"${link}"`);

/** The leaf's layout, for a set being written and one read back alike (its arrays already joined). */
const leafText = (s: SetSubject, batch: number, kinds: string, links: string, sents: string) =>
  `[${s.id},${batch},${s.stateEventId ?? "null"},"${s.homeId}","${s.deviceId}",${s.observedMs},${s.decidedMs},[${kinds}],[${links}],[${sents}]]`;

/** A batch written but not yet sealed: seal it (`sealBatch`) before the transaction commits. */
export interface WrittenBatch {
  batch: number;
  root: string;
  /** Decisions in the batch; their ids run from `firstId` to `lastId` (with gaps between sets). */
  count: number;
  firstId: number;
  lastId: number;
  sets: number;
  /** Kind id → digest, for every kind the batch's sets name (the chain entry commits to them). */
  kinds: Record<string, string>;
  /** Report totals: day ‖ partner ‖ category ‖ mode ‖ outcome ‖ reason → count. */
  totals: Map<string, number>;
  outcomes: Record<string, number>;
}

/**
 * Writes `sets` (ascending ids, each set's ids consecutive) as batch `batch`: new kinds, the rows
 * in one statement, the chunk roots proofs read; returns the Merkle root and the report totals.
 */
export async function writeDecisionSets(tx: Executor, batch: number, sets: readonly DecisionSetInsert[]): Promise<WrittenBatch | null> {
  const r = decisionSetWrites(batch, sets);
  if (!r) return null;
  await executeWrites(tx, r.writes);
  return r.written;
}

/**
 * What `writeDecisionSets` does, as writes to run (`executeWrites`), with other writes of the same
 * transaction if the caller has them: the batch as written (root, totals), and the writes (new
 * kinds, chunk roots, the sets). Null for no sets.
 */
export function decisionSetWrites(batch: number, sets: readonly DecisionSetInsert[]): { written: WrittenBatch; writes: SQL[] } | null {
  if (sets.length === 0) return null;
  const c = encodeSets(batch, sets);
  const { totals, outcomes } = reportTotals(c.perDay, c.batchKinds);
  const levels = merkleLevels(c.leaves);
  // Batches of more than one chunk keep their chunk roots, so a proof reads one chunk (proofs.ts).
  const chunkRoots = levels.length > CHUNK_LEVEL + 1 ? levels[CHUNK_LEVEL]! : [];
  // New kinds first (in id order, so concurrent writers never wait on each other in a cycle).
  const ks = [...c.batchKinds.values()].sort((a, b) => a.id - b.id);
  const last = sets[sets.length - 1]!;
  const written: WrittenBatch = {
    batch,
    root: levels.at(-1)![0]!,
    count: c.count,
    firstId: sets[0]!.id,
    lastId: last.id + last.kinds.length - 1,
    sets: sets.length,
    kinds: Object.fromEntries(ks.map((k) => [String(k.id), k.digest])),
    totals,
    outcomes,
  };
  return { written, writes: setWrites(batch, ks, chunkRoots, c) };
}

/** A batch's sets as column arrays for the one statement that writes them, with their leaves and what the report totals need. */
interface EncodedSets {
  leaves: string[];
  ids: number[];
  events: (number | null)[];
  homes: string[];
  devices: string[];
  observed: number[];
  decided: number[];
  /** Each set's slice of the flat kind and link arrays (1-based, inclusive). */
  firsts: number[];
  lasts: number[];
  sentDocs: string[];
  kindIds: number[];
  linkIds: (string | null)[];
  batchKinds: Map<number, DecisionKind>;
  /** day → kind id → decisions, for the report totals. */
  perDay: Map<string, Map<number, number>>;
  count: number;
}

/**
 * The batch's sets, checked and laid out column by column, and each set's leaf. The hot path: one
 * pass, the joined arrays of each set made once for both the row and its leaf.
 */
function encodeSets(batch: number, sets: readonly DecisionSetInsert[]): EncodedSets {
  const n = sets.length;
  const e: EncodedSets = {
    leaves: new Array<string>(n),
    ids: new Array<number>(n),
    events: new Array<number | null>(n),
    homes: new Array<string>(n),
    devices: new Array<string>(n),
    observed: new Array<number>(n),
    decided: new Array<number>(n),
    firsts: new Array<number>(n),
    lasts: new Array<number>(n),
    sentDocs: new Array<string>(n),
    kindIds: [],
    linkIds: [],
    batchKinds: new Map(),
    perDay: new Map(),
    count: 0,
  };
  let lastDecidedMs = NaN,
    dayCounts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const s = sets[i]!;
    const m = s.kinds.length;
    if (m === 0 || s.linkIds.length !== m || s.sents.length !== m)
      throw new Error(`decision set ${s.id} has ${m} kinds, ${s.linkIds.length} links and ${s.sents.length} values`);
    if (i > 0 && s.id <= sets[i - 1]!.id + sets[i - 1]!.kinds.length - 1) throw new Error(`decision set ${s.id} overlaps or precedes the set before it`);
    if (s.decidedMs !== lastDecidedMs) {
      lastDecidedMs = s.decidedMs;
      const day = new Date(s.decidedMs).toISOString().slice(0, 10);
      dayCounts = e.perDay.get(day) ?? e.perDay.set(day, new Map()).get(day)!;
    }
    let kinds = "",
      links = "",
      sents = "";
    for (let j = 0; j < m; j++) {
      const k = s.kinds[j]!;
      const link = s.linkIds[j] ?? null;
      const sep = j ? "," : "";
      if (!e.batchKinds.has(k.id)) e.batchKinds.set(k.id, k);
      dayCounts.set(k.id, (dayCounts.get(k.id) ?? 0) + 1);
      e.kindIds.push(k.id);
      e.linkIds.push(link);
      kinds += sep + k.id;
      links += sep + linkText(link);
      sents += sep + (s.sents[j] ?? "null");
    }
    e.ids[i] = s.id;
    e.events[i] = s.stateEventId;
    e.homes[i] = s.homeId;
    e.devices[i] = s.deviceId;
    e.observed[i] = s.observedMs;
    e.decided[i] = s.decidedMs;
    e.firsts[i] = e.count + 1;
    e.lasts[i] = e.count + m;
    e.sentDocs[i] = `[${sents}]`;
    e.count += m;
    // The joined arrays serve both the row and the leaf (`setLeafText` builds the same text).
    e.leaves[i] = leafHash(leafText(s, batch, kinds, links, sents));
  }
  return e;
}

/** The report totals of a batch: per day, partner, category, mode, outcome and reason, and per outcome. */
function reportTotals(perDay: Map<string, Map<number, number>>, batchKinds: Map<number, DecisionKind>) {
  const totals = new Map<string, number>();
  const outcomes: Record<string, number> = {};
  for (const [day, counts] of perDay) {
    for (const [kind, c] of counts) {
      const k = batchKinds.get(kind)!;
      const key = `${day}\u0001${k.partnerId}\u0001${k.categoryKey}\u0001${k.mode}\u0001${k.outcome}\u0001${k.reportReason}`;
      totals.set(key, (totals.get(key) ?? 0) + c);
      outcomes[k.outcome] = (outcomes[k.outcome] ?? 0) + c;
    }
  }
  return { totals, outcomes };
}

/** New kinds, chunk roots, then the sets, for one statement; each set's kinds and links are a slice of one flat array. */
function setWrites(batch: number, ks: DecisionKind[], chunkRoots: string[], c: EncodedSets): SQL[] {
  return [
    write(
      "new_kinds",
      sql`insert into decision_kinds (id, partner_id, category_key, mode, stage, outcome, reasons, agreement_version_id, clause_keys, consent_version)
          select id, partner, category, mode, stage, outcome, reasons, version, keys::text[], consent
            from unnest(
              ${plainArray(ks.map((k) => k.id))}::bigint[], ${textArray(ks.map((k) => k.partnerId))}::text[], ${textArray(ks.map((k) => k.categoryKey))}::text[],
              ${plainArray(ks.map((k) => k.mode))}::share_mode[], ${plainArray(ks.map((k) => k.stage))}::decision_stage[],
              ${plainArray(ks.map((k) => k.outcome))}::decision_outcome[], ${jsonArray(ks.map((k) => k.reasons))}::jsonb[],
              ${plainArray(ks.map((k) => k.agreementVersionId))}::uuid[], ${textArray(ks.map((k) => textArray(k.clauseKeys)))}::text[],
              ${plainArray(ks.map((k) => k.consentVersion))}::int[]
            ) with ordinality as t(id, partner, category, mode, stage, outcome, reasons, version, keys, consent, n)
           order by n
          on conflict (id) do nothing`,
    ),
    write(
      "chunk_roots",
      sql`insert into decision_batch_chunks (audit_batch, chunk, hash)
          select ${batch}::bigint, (n - 1)::int, h from unnest(${textArray(chunkRoots)}::text[]) with ordinality as c(h, n)`,
    ),
    sql`set_kinds as materialized (select ${binary.bigints(c.kindIds)}::bigint[] as kinds, ${binary.uuids(c.linkIds)}::uuid[] as links)`,
    write(
      "set_rows",
      sql`insert into decision_sets (id, audit_batch, state_event_id, home_id, device_id, observed_at, decided_at, kind_ids, link_ids, sent_properties)
          select t.id, ${batch}::bigint, t.ev, t.home, t.dev, t.observed, t.decided, f.kinds[t.first:t.last], f.links[t.first:t.last], t.sent
            from set_kinds f, unnest(
              ${binary.bigints(c.ids)}::bigint[], ${binary.bigints(c.events)}::bigint[], ${binary.uuids(c.homes)}::uuid[], ${binary.uuids(c.devices)}::uuid[],
              ${binary.timestamps(c.observed)}::timestamptz[], ${binary.timestamps(c.decided)}::timestamptz[], ${binary.ints(c.firsts)}::int[], ${binary.ints(c.lasts)}::int[],
              ${binary.jsons(c.sentDocs)}::json[]
            ) as t(id, ev, home, dev, observed, decided, first, last, sent)`,
    ),
  ];
}

/** The sets of some batches, as stored, in leaf order. */
export async function loadSets(db: Executor, batches: readonly number[]): Promise<Map<number, StoredSet[]>> {
  const out = new Map<number, StoredSet[]>(batches.map((b) => [b, []]));
  if (!batches.length) return out;
  const r = (await db.execute(sql`
    select ${SET_COLUMNS} from decision_sets where audit_batch = any(${plainArray(batches)}::bigint[]) order by audit_batch, id`)) as unknown as {
    rows: SetRow[];
  };
  for (const row of r.rows) out.get(Number(row.audit_batch))?.push(storedSet(row));
  return out;
}

/**
 * Chunks of batches (the `chunk`-th run of `size` sets, in leaf order), as stored, in one
 * statement however many are asked for.
 */
export async function loadSetChunks(db: Executor, wanted: readonly { batch: number; chunk: number }[], size: number): Promise<Map<string, StoredSet[]>> {
  const out = new Map<string, StoredSet[]>(wanted.map((w) => [`${w.batch}:${w.chunk}`, []]));
  if (!wanted.length) return out;
  const r = (await db.execute(sql`
    select t.c as chunk, s.* from unnest(${plainArray(wanted.map((w) => w.batch))}::bigint[], ${plainArray(wanted.map((w) => w.chunk))}::int[]) as t(b, c)
     cross join lateral (select ${SET_COLUMNS} from decision_sets where audit_batch = t.b order by id offset t.c * ${size} limit ${size}) s
     order by s.audit_batch, t.c, s.id`)) as unknown as { rows: (SetRow & { chunk: number })[] };
  for (const row of r.rows) out.get(`${row.audit_batch}:${row.chunk}`)?.push(storedSet(row));
  return out;
}

const SET_COLUMNS = sql.raw(
  "id, audit_batch, state_event_id, home_id, device_id, observed_at, decided_at, kind_ids::text as kind_ids, link_ids::text as link_ids, sent_properties",
);

interface SetRow {
  id: string;
  audit_batch: string;
  state_event_id: string | null;
  home_id: string;
  device_id: string;
  observed_at: Date;
  decided_at: Date;
  kind_ids: string;
  link_ids: string;
  sent_properties: unknown[];
}

/** `{1,2,NULL}` (a bigint[] or uuid[] as text: no quoting needed) → its elements. */
const arrayElements = (text: string): (string | null)[] =>
  text.length <= 2
    ? []
    : text
        .slice(1, -1)
        .split(",")
        .map((x) => (x === "NULL" ? null : x));

function storedSet(r: SetRow): StoredSet {
  return {
    id: Number(r.id),
    auditBatch: Number(r.audit_batch),
    stateEventId: r.state_event_id == null ? null : Number(r.state_event_id),
    homeId: r.home_id,
    deviceId: r.device_id,
    observedMs: new Date(r.observed_at).getTime(),
    decidedMs: new Date(r.decided_at).getTime(),
    kindIds: arrayElements(r.kind_ids).map(Number),
    linkIds: arrayElements(r.link_ids),
    sents: r.sent_properties.map((v) => (v === null ? null : canonicalJson(v))),
  };
}
