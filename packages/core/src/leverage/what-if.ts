// What-if: the recorded state changes of the last N days, decided again by the real engine twice —
// with the versions that were in force at each moment, and with a draft in place of them — and the
// difference per category and mode. Exact for the engine's inputs: each decision sees the consents
// and links as they stood at that moment (both are kept with their history), and the certification
// records as they are now. Runs in the worker, in the background; progress is written as it goes.
import { groupByCategory, FULFIL_REQUEST } from "@proviso/domain";
import { agreements, agreementVersions, consents, deviceModels, devices, partnerLinks, replayJobs, type Database, type Executor } from "@proviso/db";
import { compileSnapshot, decideShare, patchConsent, patchLink, type CompiledPolicy, type PolicySnapshot } from "@proviso/policy";
import { and, asc, desc, eq, sql } from "drizzle-orm";
import { AppError } from "../errors";
import { readClauses } from "../agreements/read-versions";
import { loadApprovedVersions, loadPolicySnapshot } from "@proviso/snapshot";

export interface ReplayRow {
  category: string;
  mode: "on_request" | "proactive";
  decisions: number;
  sentBefore: number;
  sentAfter: number;
  /** Would have been sent with the draft, and were not. */
  startsFlowing: number;
  /** Were sent, and would not have been with the draft. */
  stopsFlowing: number;
}

export interface ReplayResult {
  partnerId: string;
  version: number;
  days: number;
  from: string;
  to: string;
  events: number;
  rows: ReplayRow[];
  elapsedMs: number;
}

export async function requestReplay(db: Executor, opts: { versionId: string; days: number; userId: string }) {
  if (!Number.isInteger(opts.days) || opts.days < 1 || opts.days > 366)
    throw new AppError("INVALID", "Choose 1 to 366 days", { days: ["Choose 1 to 366 days"] });
  const [v] = await db.select({ id: agreementVersions.id }).from(agreementVersions).where(eq(agreementVersions.id, opts.versionId));
  if (!v) throw new AppError("NOT_FOUND", "Agreement version not found");
  const [job] = await db.insert(replayJobs).values({ versionId: opts.versionId, days: opts.days, requestedById: opts.userId }).returning();
  return job!;
}

export async function latestReplay(db: Executor, versionId: string) {
  const [job] = await db.select().from(replayJobs).where(eq(replayJobs.versionId, versionId)).orderBy(desc(replayJobs.createdAt)).limit(1);
  return job ?? null;
}

/** Takes the oldest pending job (several workers may poll: SKIP LOCKED hands each job to one). */
export async function claimReplayJob(db: Executor) {
  const r = (await db.execute(sql`
    update replay_jobs set status = 'running', started_at = now()
     where id = (select id from replay_jobs where status = 'pending' order by created_at for update skip locked limit 1)
    returning id`)) as unknown as { rows: { id: string }[] };
  if (!r.rows[0]) return null;
  const [job] = await db.select().from(replayJobs).where(eq(replayJobs.id, r.rows[0].id));
  return job ?? null;
}

type Ts = { at: number; apply: (p: CompiledPolicy) => void };

type EventRow = { id: string; device_id: string; home_id: string; observed_at: string | Date; properties: Record<string, unknown> };

type ReplayInputs = Awaited<ReturnType<typeof loadReplayInputs>>;

/** The two engines replaying the history side by side, how far into the timeline they are, and the tallies so far. */
interface Replay {
  partnerId: string;
  policies: readonly [CompiledPolicy, CompiledPolicy];
  timeline: Ts[];
  next: number;
  modelOf: Map<string, string>;
  lastSent: Map<string, number>[];
  tallies: Map<string, ReplayRow>;
}

export async function runReplayJob(
  db: Database,
  job: { id: string; versionId: string; days: number },
  now = new Date(),
  pageSize = 5_000,
): Promise<ReplayResult> {
  const started = performance.now();
  try {
    const inputs = await loadReplayInputs(db, job.versionId);
    const replay: Replay = {
      partnerId: inputs.partnerId,
      policies: compilePolicies(job.versionId, inputs),
      timeline: buildTimeline(inputs),
      next: 0,
      modelOf: inputs.modelOf,
      tallies: new Map(),
      lastSent: [new Map(), new Map()],
    };

    const since = new Date(now.getTime() - job.days * 86_400_000);
    const total = await countEvents(db, inputs.partnerId, since, now);
    await db.update(replayJobs).set({ total }).where(eq(replayJobs.id, job.id));

    let processed = 0;
    for await (const rows of historyPages(db, inputs.partnerId, since, now, pageSize)) {
      for (const e of rows) replayEvent(replay, e);
      processed += rows.length;
      await db.update(replayJobs).set({ processed }).where(eq(replayJobs.id, job.id));
    }
    const result: ReplayResult = {
      partnerId: inputs.partnerId,
      version: inputs.version,
      days: job.days,
      from: since.toISOString(),
      to: now.toISOString(),
      events: processed,
      rows: [...replay.tallies.values()].sort((a, b) => a.category.localeCompare(b.category) || a.mode.localeCompare(b.mode)),
      elapsedMs: Math.round(performance.now() - started),
    };
    await db
      .update(replayJobs)
      .set({ status: "done", processed, result: result as unknown as Record<string, unknown>, finishedAt: new Date() })
      .where(eq(replayJobs.id, job.id));
    return result;
  } catch (err) {
    await db
      .update(replayJobs)
      .set({ status: "failed", error: (err as Error).message, finishedAt: new Date() })
      .where(and(eq(replayJobs.id, job.id)));
    throw err;
  }
}

/** The version replayed and its partner, the partner's links and consents with their history, and every device's model. */
async function loadReplayInputs(db: Database, versionId: string) {
  const [version] = await db
    .select({ partnerId: agreements.partnerId, version: agreementVersions.version })
    .from(agreementVersions)
    .innerJoin(agreements, eq(agreements.id, agreementVersions.agreementId))
    .where(eq(agreementVersions.id, versionId));
  if (!version) throw new Error("the version no longer exists");
  const partnerId = version.partnerId;
  const draftClauses = (await readClauses(db, versionId)).map((c) => ({ clauseKey: c.clauseKey, terms: c.terms }));
  const [approved, current] = await Promise.all([loadApprovedVersions(db), loadPolicySnapshot(db)]);
  const linkRows = await db
    .select({ homeId: partnerLinks.homeId, status: partnerLinks.status, linkedAt: partnerLinks.linkedAt, endedAt: partnerLinks.endedAt })
    .from(partnerLinks)
    .where(eq(partnerLinks.partnerId, partnerId));
  const consentRows = await db
    .select({ homeId: consents.homeId, category: consents.categoryKey, mode: consents.mode, version: consents.version, setAt: consents.setAt })
    .from(consents)
    .where(eq(consents.partnerId, partnerId))
    .orderBy(asc(consents.setAt), asc(consents.version));
  const deviceRows = await db
    .select({ id: devices.id, modelKey: deviceModels.key })
    .from(devices)
    .innerJoin(deviceModels, eq(deviceModels.id, devices.modelId));
  const modelOf = new Map(deviceRows.map((d) => [d.id, d.modelKey]));
  return { partnerId, version: version.version, draftClauses, approved, current, linkRows, consentRows, modelOf };
}

/** The engine as it is (with the versions in force at each moment) and with the draft in place of the partner's versions. */
function compilePolicies(versionId: string, inputs: ReplayInputs): readonly [CompiledPolicy, CompiledPolicy] {
  const { partnerId, approved, current, linkRows, consentRows } = inputs;
  // Both snapshots know every home, category and link the history mentions; all start unlinked and
  // without consent, and the timeline below sets them as they were.
  const base: PolicySnapshot = {
    versions: approved,
    links: linkRows.map((l) => ({ homeId: l.homeId, partnerId, status: "active" as const })),
    consents: consentRows.map((c) => ({ homeId: c.homeId, partnerId, category: c.category, mode: c.mode, version: c.version })),
    certifications: current.certifications,
    suspensions: current.suspensions,
  };
  const draft: PolicySnapshot = {
    ...base,
    versions: [
      ...approved.filter((v) => v.partnerId !== partnerId),
      { versionId, partnerId, version: inputs.version, effectiveFrom: 0, endsAt: null, clauses: inputs.draftClauses },
    ],
  };
  const policies = [compileSnapshot(base), compileSnapshot(draft)] as const;
  for (const p of policies) {
    for (const l of linkRows) patchLink(p, { homeId: l.homeId, partnerId, status: "none" });
    for (const c of consentRows) patchConsent(p, { homeId: c.homeId, partnerId, category: c.category, mode: "none", version: 0 });
  }
  return policies;
}

/** Every link, unlink and consent change, in the order they happened, to apply to both engines as the replay passes them. */
function buildTimeline({ partnerId, linkRows, consentRows }: ReplayInputs): Ts[] {
  const timeline: Ts[] = [];
  for (const l of linkRows) {
    timeline.push({ at: l.linkedAt.getTime(), apply: (p) => patchLink(p, { homeId: l.homeId, partnerId, status: "active" }) });
    if (l.endedAt)
      timeline.push({
        at: l.endedAt.getTime(),
        apply: (p) => patchLink(p, { homeId: l.homeId, partnerId, status: l.status === "active" ? "unlinked" : l.status }),
      });
  }
  for (const c of consentRows)
    timeline.push({
      at: c.setAt.getTime(),
      apply: (p) => patchConsent(p, { homeId: c.homeId, partnerId, category: c.category, mode: c.mode, version: c.version }),
    });
  timeline.sort((a, b) => a.at - b.at);
  return timeline;
}

/** How many state events the replay will walk: the partner's linked homes', in [since, now). */
async function countEvents(db: Database, partnerId: string, since: Date, now: Date): Promise<number> {
  const totalRow = (await db.execute(sql`
    select count(*)::bigint as n from state_events e
     where e.observed_at >= ${since} and e.observed_at < ${now}
       and exists (select 1 from partner_links l where l.home_id = e.home_id and l.partner_id = ${partnerId})`)) as unknown as { rows: { n: string }[] };
  return Number(totalRow.rows[0]!.n);
}

/** The same events a page at a time, in the order they were observed (keyset pagination on time and id). */
async function* historyPages(db: Database, partnerId: string, since: Date, now: Date, pageSize: number): AsyncGenerator<EventRow[]> {
  // Timestamps come back as text (Drizzle's driver setting): the cursor keeps the exact text.
  let cursor: { at: string; id: number } | null = null;
  for (;;) {
    const page = (await db.execute(sql`
      select e.id, e.device_id, e.home_id, e.observed_at, e.properties from state_events e
       where e.observed_at >= ${since} and e.observed_at < ${now}
         and exists (select 1 from partner_links l where l.home_id = e.home_id and l.partner_id = ${partnerId})
         ${cursor ? sql`and (e.observed_at, e.id) > (${cursor.at}::timestamptz, ${cursor.id}::bigint)` : sql``}
       order by e.observed_at, e.id limit ${pageSize}`)) as unknown as { rows: EventRow[] };
    if (page.rows.length === 0) return;
    yield page.rows;
    const last = page.rows.at(-1)!;
    cursor = { at: last.observed_at instanceof Date ? last.observed_at.toISOString() : last.observed_at, id: Number(last.id) };
  }
}

/** One event, decided by both engines for each of its categories in both modes, after the links and consents of its moment are applied. */
function replayEvent(r: Replay, e: EventRow) {
  const at = new Date(e.observed_at).getTime();
  while (r.next < r.timeline.length && r.timeline[r.next]!.at <= at) {
    r.timeline[r.next]!.apply(r.policies[0]);
    r.timeline[r.next]!.apply(r.policies[1]);
    r.next++;
  }
  const byCategory = groupByCategory(e.properties);
  for (const [category, properties] of byCategory) {
    for (const mode of ["proactive", "on_request"] as const) {
      const key = `${e.device_id}|${category}`;
      const outcomes = r.policies.map((policy, i) => {
        const d = decideShare(policy, {
          partnerId: r.partnerId,
          homeId: e.home_id,
          modelKey: r.modelOf.get(e.device_id) ?? "",
          category,
          mode,
          purpose: FULFIL_REQUEST,
          at,
          properties,
          lastSentAt: mode === "proactive" ? (r.lastSent[i]!.get(key) ?? null) : null,
        });
        if (mode === "proactive" && d.outcome !== "withhold") r.lastSent[i]!.set(key, at);
        return d.outcome !== "withhold";
      });
      tally(r.tallies, category, mode, outcomes);
    }
  }
}

/** Counts one decision pair (before, after) in its category and mode's row. */
function tally(tallies: Map<string, ReplayRow>, category: string, mode: ReplayRow["mode"], outcomes: boolean[]) {
  const t = tallies.get(`${category}|${mode}`) ?? { category, mode, decisions: 0, sentBefore: 0, sentAfter: 0, startsFlowing: 0, stopsFlowing: 0 };
  t.decisions++;
  if (outcomes[0]) t.sentBefore++;
  if (outcomes[1]) t.sentAfter++;
  if (!outcomes[0] && outcomes[1]) t.startsFlowing++;
  if (outcomes[0] && !outcomes[1]) t.stopsFlowing++;
  tallies.set(`${category}|${mode}`, t);
}
