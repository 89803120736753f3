// The delivery loop: claim due outbox rows (SKIP LOCKED, so any number of workers can deliver),
// re-decide each with the current snapshot (a message queued before a revocation never goes out
// after it), send in the partner's format, and read the answer: delivered, retry with backoff or
// Retry-After, refresh the token once, stop on revocation, or dead-letter.
import { FULFIL_REQUEST, OUTBOX_WAITING } from "@proviso/domain";
import { appendAudit, sealDecisions } from "@proviso/audit";
import { executePrepared, outbox, partnerLinks, type Database, type Executor } from "@proviso/db";
import { classifyResponse, DEFAULT_RETRY, PLATFORM_REQUESTS_PER_MINUTE, type RetryPolicy } from "@proviso/partners";
import { decideShare, WITHHOLDING_CODES } from "@proviso/policy";
import { and, eq, inArray, sql } from "drizzle-orm";
import { decisionRow, type DecisionRow } from "./decision-row";
import type { OutboxPayload } from "./ingest";
import { httpPost, type HttpPost } from "./http-post";
import { announcementOf, diffAnnouncement, discoverableDevices, isDiscoveryKind, readAnnouncements, recordAnnouncement } from "./discovery";
import { buildDiscoveryRequests, buildWireRequest, type PartnerEndpoints, type WireRequest } from "./partner-endpoints";
import { refreshTokens, storeTokens, type TokenService } from "./partner-tokens";
import { forgetFullBuckets, holdPartner, limitsOf, reserveTokens, returnTokens, type Allowance, type Limit } from "./rate-limits";
import type { LinkInfo, World } from "@proviso/snapshot";

export interface DeliveryDeps {
  db: Database;
  world: () => World;
  /** The snapshot checked against the database just now (the worker's WorldCache.fresh). */
  freshWorld?: () => Promise<World>;
  endpoints: PartnerEndpoints;
  now?: () => number;
  /** How messages are POSTed (node:http with keep-alive unless given). */
  post?: HttpPost;
  batchSize?: number;
  leaseMs?: number;
  timeoutMs?: number;
  concurrency?: number;
  retry?: RetryPolicy;
  onDelivered?: (latencyMs: number, partnerId: string) => void;
  onPartnerError?: (partnerId: string, status: number | null) => void;
  /** Where to refresh a partner's token on 401 (Alexa); without it the stored token is re-read. */
  tokens?: TokenService | null;
  /**
   * Requests a minute each platform takes from one integration (`PLATFORM_REQUESTS_PER_MINUTE`
   * unless given; null for no limit of the platform's own), held to like a rate_limit clause.
   */
  platformRequestsPerMinute?: Partial<Record<LinkInfo["adapter"], number | null>>;
}

export interface DeliveryResult {
  claimed: number;
  delivered: number;
  retried: number;
  dead: number;
  cancelled: number;
  revoked: number;
  deferred: number;
}

type OutboxRow = typeof outbox.$inferSelect;

/**
 * Claims due rows with a lease: one statement, no transaction left open. A worker that dies holding
 * a lease lets it run out, and the message goes again (with the same id). The lease is a column of
 * its own, in no index, so claiming is an in-place update.
 */
export async function claimDue(db: Database, now: number, limit: number, leaseMs: number): Promise<OutboxRow[]> {
  return (await claim(db, now, limit, leaseMs)).rows;
}

/**
 * `claimDue`, with the partners among the claimed rows' that are holding every worker back (they
 * answered 429: `partner_holds`) and until when (epoch ms), read in the same statement.
 */
async function claim(db: Database, now: number, limit: number, leaseMs: number): Promise<{ rows: OutboxRow[]; holds: Map<string, number> }> {
  const at = new Date(now);
  // Prepared: the delivery loop runs it every few milliseconds.
  const result = await executePrepared(
    db,
    sql`
    with due as (
      select id from outbox
       where status in ('pending', 'retrying') and next_attempt_at <= ${at} and (leased_until is null or leased_until <= ${at})
       order by next_attempt_at, id
       limit ${limit}
       for update skip locked)
    update outbox o
       set leased_until = ${new Date(now + leaseMs)}, attempts = o.attempts + 1
      from due where o.id = due.id
    returning o.id, o.message_id, o.partner_id, o.link_id, o.home_id, o.device_id, o.kind, o.payload, o.attempts, o.created_at,
              (select extract(epoch from h.until) * 1000 from partner_holds h where h.partner_id = o.partner_id and h.until > ${at}) as held_until`,
  );
  const holds = new Map<string, number>();
  for (const r of result.rows as Record<string, unknown>[]) if (r.held_until != null) holds.set(r.partner_id as string, Math.ceil(Number(r.held_until)));
  const rows = (result.rows as Record<string, unknown>[]).map((r) => ({
    id: Number(r.id),
    messageId: r.message_id as string,
    partnerId: r.partner_id as string,
    linkId: r.link_id as string,
    homeId: r.home_id as string,
    deviceId: r.device_id as string,
    kind: r.kind as string,
    payload: r.payload,
    attempts: Number(r.attempts),
    createdAt: new Date(r.created_at as string),
  })) as OutboxRow[];
  return { rows, holds };
}

export async function deliverDue(deps: DeliveryDeps): Promise<DeliveryResult> {
  const now = deps.now ?? Date.now;
  const result: DeliveryResult = { claimed: 0, delivered: 0, retried: 0, dead: 0, cancelled: 0, revoked: 0, deferred: 0 };
  // Partners that answered 429 hold every worker back until their Retry-After (read with the
  // claim); for the rest, the clauses' rate limits: a token for every message claimed, from the
  // buckets every worker shares, reserved in one statement (what goes unused is given back below).
  const limitsAt = now();
  const { rows, holds } = await claim(deps.db, limitsAt, deps.batchSize ?? 200, deps.leaseMs ?? 30_000);
  result.claimed = rows.length;
  if (rows.length === 0) return result;
  const limitWorld = deps.world();
  const quotas = { ...PLATFORM_REQUESTS_PER_MINUTE, ...deps.platformRequestsPerMinute };
  const quotaOf = (r: OutboxRow) => {
    const adapter = r.linkId ? limitWorld.linkById.get(r.linkId)?.adapter : undefined;
    return adapter ? (quotas[adapter] ?? null) : null;
  };
  const limits = new Map(rows.map((r) => [r.id, holds.has(r.partnerId) ? [] : limitsOf(limitWorld, r.partnerId, r.homeId, limitsAt, quotaOf(r))]));
  const allowance = await reserveTokens(deps.db, [...limits.values()].flat(), limitsAt);
  const queue = [...rows];
  const revokedLinks = new Set<string>();
  // What re-decision withholds, for the whole claimed batch: sealed once, in one transaction, rather
  // than one small transaction per message queueing for the audit chain's head.
  const withheld: DecisionRow[] = [];
  // Deliveries are recorded for the whole batch in one statement too (a crash before it means the
  // lease runs out and the message goes again, with the same id: at least once, as before).
  const done: Delivered[] = [];
  const batch: BatchRecord = { withheld, done, allowance, limits, holds };
  const workers = Array.from({ length: Math.min(deps.concurrency ?? 16, rows.length) }, async () => {
    for (let row = queue.shift(); row; row = queue.shift()) {
      if (revokedLinks.has(row.linkId)) {
        result.cancelled++; // its link was revoked a moment ago, in this batch
        continue;
      }
      try {
        await deliverOne(deps, row, result, revokedLinks, batch);
      } catch (err) {
        // One message that cannot be handled (its payload cannot be read or built, say) fails its
        // own attempt, like a partner that did not answer: retried with backoff, then dead-lettered.
        // The rest of the batch goes on; only if that cannot be written either does the batch fail.
        await failAttempt(deps, row, result, err);
      }
    }
  });
  try {
    await Promise.all(workers);
  } finally {
    const markDelivered = (tx: Executor) =>
      executePrepared(
        tx,
        sql`
        update outbox o set status = 'delivered', delivered_at = t.at, last_status_code = t.code, last_error = null, leased_until = null
          from unnest(${sql.param(done.map((d) => d.id))}::bigint[], ${sql.param(done.map((d) => d.at.toISOString()))}::timestamptz[],
                      ${sql.param(done.map((d) => d.status))}::int[]) as t(id, at, code)
         where o.id = t.id`,
      );
    // One statement needs no transaction of its own (two round trips fewer every batch).
    if (withheld.length) {
      await deps.db.transaction(async (tx) => {
        if (done.length) await markDelivered(tx);
        await sealDecisions(tx, withheld, { stage: "delivery" });
      });
    } else if (done.length) await markDelivered(deps.db);
    await returnTokens(deps.db, allowance);
    if (limitsAt - lastBucketSweep >= 60_000) {
      lastBucketSweep = limitsAt;
      await forgetFullBuckets(deps.db, limitsAt);
    }
  }
  return result;
}

/** When this process last dropped the rate buckets that had refilled (once a minute is plenty). */
let lastBucketSweep = -Infinity;

interface Delivered {
  id: number;
  at: Date;
  status: number | null;
}

/** What a delivery batch records at its end, in one transaction. */
interface BatchRecord {
  withheld: DecisionRow[];
  done: Delivered[];
  /** The batch's rate-limit tokens, and the buckets each of its messages draws on. */
  allowance: Allowance;
  limits: Map<number, Limit[]>;
  /** Partners holding back (a 429, read at the claim or met in this batch) → until when (epoch ms). */
  holds: Map<string, number>;
}

async function deliverOne(deps: DeliveryDeps, row: OutboxRow, result: DeliveryResult, revokedLinks: Set<string>, batch: BatchRecord) {
  if (isDiscoveryKind(row.kind)) return deliverDiscovery(deps, row, result, revokedLinks, batch);
  const now = (deps.now ?? Date.now)();
  // Re-decided with the snapshot as it is now: a consent or link change committed a moment ago counts.
  const world = deps.freshWorld ? await deps.freshWorld() : deps.world();
  const payload = row.payload as OutboxPayload;
  const device = world.devices.get(payload.deviceId);

  // 1. Decided twice: re-decide every category with the snapshot as it is now.
  const withheld: DecisionRow[] = [];
  const keep = (byCategory: Record<string, Record<string, unknown>>) => {
    const out: Record<string, Record<string, unknown>> = {};
    for (const [category, properties] of Object.entries(byCategory)) {
      const d = decideShare(world.policy, {
        partnerId: row.partnerId,
        homeId: row.homeId,
        modelKey: device?.modelKey ?? "",
        category,
        mode: "proactive",
        purpose: FULFIL_REQUEST,
        at: now,
        properties,
      });
      if (d.outcome === "withhold") {
        withheld.push(
          decisionRow(d, {
            stage: "delivery",
            mode: "proactive",
            homeId: row.homeId,
            deviceId: payload.deviceId,
            partnerId: row.partnerId,
            linkId: row.linkId,
            category,
            observedAt: new Date(payload.observedAt),
            decidedAt: new Date(now),
          }),
        );
      } else out[category] = properties;
    }
    return out;
  };
  const changed = keep(payload.changed);
  const context = keep(payload.context);
  batch.withheld.push(...withheld);
  const link = world.linkById.get(row.linkId);
  if (!device || !link || Object.keys(changed).length === 0) {
    const codes = [...new Set(withheld.flatMap((w) => (w.reasons ?? []).map((r) => r.code).filter((c) => WITHHOLDING_CODES.has(c))))];
    await finish(deps.db, row.id, { status: "cancelled", lastError: `withheld at delivery: ${codes.join(", ") || "link no longer active"}` });
    result.cancelled++;
    return;
  }

  // 2. The partner's own format, with the stable message id.
  const build = (l: LinkInfo) => buildWireRequest(deps.endpoints, l, device, row.messageId, { ...payload, changed, context }, now);
  const request = build(link);
  if (!request) {
    await finish(deps.db, row.id, { status: "cancelled", lastError: "nothing the partner's format can carry (an incomplete trait)" });
    result.cancelled++;
    return;
  }

  // 3. The partner's hold and the clauses' rate limits (a message that goes nowhere uses none of them), then send.
  if (await heldBack(deps, row, batch, now, result)) return;
  const sent = await send(deps, row, link, (l) => (l === link ? request : build(l)!), result, revokedLinks, batch);
  if (sent) delivered(deps, row, batch, result, sent.status);
}

/**
 * A partner's hold (it answered 429) and the clauses' rate limits, across the integration and
 * about one home: a send any of them holds back goes again when the hold ends or its buckets have
 * room (the attempt it was claimed for does not count).
 */
async function heldBack(deps: DeliveryDeps, row: OutboxRow, batch: BatchRecord, now: number, result: DeliveryResult): Promise<boolean> {
  const hold = batch.holds.get(row.partnerId);
  const wait = hold !== undefined && hold > now ? hold - now : batch.allowance.take(batch.limits.get(row.id) ?? []);
  if (wait <= 0) return false;
  await deps.db
    .update(outbox)
    .set({ nextAttemptAt: new Date(now + wait), leasedUntil: null, attempts: sql`${outbox.attempts} - 1` })
    .where(eq(outbox.id, row.id));
  result.deferred++;
  return true;
}

function delivered(deps: DeliveryDeps, row: OutboxRow, batch: BatchRecord, result: DeliveryResult, status: number | null) {
  batch.done.push({ id: row.id, at: new Date(), status });
  deps.onDelivered?.(Date.now() - row.createdAt.getTime(), row.partnerId);
  result.delivered++;
}

/**
 * Sends one request and reads the answer. A 401 refreshes the token once and sends again (with a
 * request built for the refreshed link); a 403 revokes the link; a retry or dead letter is recorded
 * here. Returns the answer's status and the link as it ended (its token refreshed, perhaps) when
 * the partner took it, null otherwise.
 */
async function send(
  deps: DeliveryDeps,
  row: OutboxRow,
  link: LinkInfo,
  build: (link: LinkInfo) => WireRequest,
  result: DeliveryResult,
  revokedLinks: Set<string>,
  batch: BatchRecord,
): Promise<{ status: number | null; link: LinkInfo } | null> {
  const now = (deps.now ?? Date.now)();
  let tokenRefreshed = false;
  let currentLink = link;
  for (;;) {
    const request = build(currentLink);
    let status: number | null = null;
    let retryAfter: string | null = null;
    let error = "";
    try {
      const res = await (deps.post ?? httpPost)(request.url, request.headers, request.body, deps.timeoutMs ?? 10_000);
      status = res.status;
      retryAfter = res.retryAfter;
      if (status >= 300) error = res.text.slice(0, 300);
    } catch (err) {
      error = (err as Error).name === "TimeoutError" ? "timed out" : (err as Error).message;
    }
    const outcome = classifyResponse({ status, retryAfter, attempt: row.attempts, tokenRefreshed, now: (deps.now ?? Date.now)(), policy: deps.retry ?? DEFAULT_RETRY });
    if (outcome.kind !== "delivered") deps.onPartnerError?.(row.partnerId, status);
    switch (outcome.kind) {
      case "delivered":
        return { status, link: currentLink };
      case "refresh_token": {
        tokenRefreshed = true;
        if (deps.tokens && link.refreshToken) {
          try {
            const fresh = await refreshTokens(deps.tokens, link.refreshToken);
            await storeTokens(deps.db, deps.tokens, link.linkId, fresh);
            currentLink = { ...link, accessToken: fresh.accessToken, refreshToken: fresh.refreshToken };
          } catch (err) {
            error = (err as Error).message;
          }
        } else if (deps.tokens) {
          // Another worker may have refreshed it since this one loaded it: read it again, once.
          const [fresh] = await deps.db.select({ token: partnerLinks.accessTokenEnc }).from(partnerLinks).where(eq(partnerLinks.id, link.linkId));
          if (fresh?.token) currentLink = { ...link, accessToken: deps.tokens.cipher.decrypt(fresh.token) };
        }
        continue;
      }
      case "revoked":
        revokedLinks.add(link.linkId);
        await revokeLink(deps.db, link.linkId, row.id, now);
        result.revoked++;
        return null;
      case "retry":
      case "dead":
        await failed(deps.db, row.id, result, outcome, now, status, `${outcome.reason}${error ? `: ${error}` : ""}`);
        // Too many requests: the whole integration waits, in every worker, not this message alone.
        if (status === 429 && outcome.kind === "retry") {
          const until = now + outcome.delayMs;
          if ((batch.holds.get(row.partnerId) ?? 0) < until) {
            batch.holds.set(row.partnerId, until);
            await holdPartner(deps.db, row.partnerId, until, `429${retryAfter ? ` (Retry-After: ${retryAfter})` : ""}`, now);
          }
        }
        return null;
    }
  }
}

/**
 * A discovery update (see discovery.ts), built now from the snapshot of this moment against what
 * the partner was last told: Alexa's AddOrUpdateReport and DeleteReport, Google's requestSync. Its
 * requests go in order; if one fails the update is retried whole (each is idempotent at the
 * partner). Once all are taken, what the partner now knows is recorded.
 */
async function deliverDiscovery(deps: DeliveryDeps, row: OutboxRow, result: DeliveryResult, revokedLinks: Set<string>, batch: BatchRecord) {
  const now = (deps.now ?? Date.now)();
  const world = deps.freshWorld ? await deps.freshWorld() : deps.world();
  const link = world.linkById.get(row.linkId);
  if (!link) {
    await finish(deps.db, row.id, { status: "cancelled", lastError: "link no longer active" });
    result.cancelled++;
    return;
  }
  const current = discoverableDevices(world, link, now);
  const told = (await readAnnouncements(deps.db, [link.linkId])).get(link.linkId);
  const diff = diffAnnouncement(current, told);
  const build = (l: LinkInfo) => buildDiscoveryRequests(deps.endpoints, l, row.messageId, diff);
  const requests = build(link);
  if (requests.length === 0) {
    // Undone before it went, or a link with nothing to tell of: either way the partner's view and
    // what is allowed agree. Recorded where nothing was, so the next check does not queue it again.
    if (!told) await recordAnnouncement(deps.db, link.linkId, {}, "nothing_to_tell", new Date(now));
    await finish(deps.db, row.id, { status: "cancelled", lastError: "nothing to announce: the partner was already told this" });
    result.cancelled++;
    return;
  }
  if (await heldBack(deps, row, batch, now, result)) return;
  // The same requests for a link whose token was refreshed on the way, rebuilt with the new bearer.
  let at = link;
  let status: number | null = null;
  for (let i = 0; i < requests.length; i++) {
    const sent = await send(deps, row, at, (l) => (l === link ? requests[i]! : build(l)[i]!), result, revokedLinks, batch);
    if (!sent) return;
    at = sent.link;
    status = sent.status;
  }
  await recordAnnouncement(deps.db, link.linkId, announcementOf(current), link.adapter === "alexa" ? "add_or_update" : "request_sync", new Date(now));
  delivered(deps, row, batch, result, status);
}

/** An attempt that failed here, not at the partner: retried as a timeout would be, and in the end dead. */
async function failAttempt(deps: DeliveryDeps, row: OutboxRow, result: DeliveryResult, err: unknown) {
  const now = (deps.now ?? Date.now)();
  const outcome = classifyResponse({ status: null, retryAfter: null, attempt: row.attempts, tokenRefreshed: false, now, policy: deps.retry ?? DEFAULT_RETRY });
  // No answer is never delivered, a token to refresh or a revocation: it is retried or dead.
  await failed(deps.db, row.id, result, outcome.kind === "retry" ? outcome : { kind: "dead" }, now, null, `could not be sent: ${(err as Error)?.message ?? String(err)}`.slice(0, 1_000));
}

/** A failed attempt's end: retried after the outcome's delay, or dead-lettered. */
async function failed(db: Database, id: number, result: DeliveryResult, outcome: { kind: "retry"; delayMs: number } | { kind: "dead" }, now: number, status: number | null, lastError: string) {
  if (outcome.kind === "retry") {
    await finish(db, id, { status: "retrying", nextAttemptAt: new Date(now + outcome.delayMs), lastStatusCode: status, lastError });
    result.retried++;
  } else {
    await finish(db, id, { status: "dead", lastStatusCode: status, lastError });
    result.dead++;
  }
}

/** Ends this attempt: the lease is given up (a retry is due at its own time). */
function finish(db: Database, id: number, set: Partial<typeof outbox.$inferInsert>) {
  return db.update(outbox).set({ ...set, leasedUntil: null }).where(eq(outbox.id, id));
}

/** The customer revoked access at the partner: the link stops, and so does everything queued for it. */
async function revokeLink(db: Database, linkId: string, messageRowId: number, now: number) {
  await db.transaction(async (tx) => {
    const revoked = await tx
      .update(partnerLinks)
      .set({ status: "revoked", endedAt: new Date(now) })
      .where(and(eq(partnerLinks.id, linkId), eq(partnerLinks.status, "active")))
      .returning({ id: partnerLinks.id, homeId: partnerLinks.homeId, partnerId: partnerLinks.partnerId });
    if (revoked[0]) {
      await appendAudit(tx, {
        action: "link.revoked_by_partner",
        entityType: "partner_link",
        entityId: linkId,
        details: { homeId: revoked[0].homeId, partnerId: revoked[0].partnerId, statusCode: 403, outboxRow: messageRowId },
      }, new Date(now));
    }
    await tx
      .update(outbox)
      .set({ status: "cancelled", lastStatusCode: 403, lastError: "the partner says the customer revoked access (403)" })
      .where(and(eq(outbox.linkId, linkId), inArray(outbox.status, [...OUTBOX_WAITING])));
    await tx
      .update(outbox)
      .set({ status: "cancelled", lastStatusCode: 403, lastError: "the partner says the customer revoked access (403)" })
      .where(eq(outbox.id, messageRowId));
  });
}
