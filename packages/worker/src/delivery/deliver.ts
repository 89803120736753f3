// The delivery round: claim due outbox rows (claim.ts), re-decide each with the current snapshot
// (a message queued before a revocation never goes out after it), send it in the platform's
// format (deliver-state.ts, deliver-discovery.ts) and read the answer (send.ts): delivered, retry
// with backoff or Retry-After, refresh the token once, stop on revocation, or dead-letter.
import { secretsReader } from "../lib/service-credential";
import { readOutboxKind } from "../outbox/codec";
import { claim } from "./claim";
import { deliverDiscovery } from "./deliver-discovery";
import { deliverState } from "./deliver-state";
import { forgetFullBuckets, limitsOf, reserveTokens, returnTokens } from "./rate-limits";
import { cancel, failAttempt, recordRound } from "./record";
import type { DeliveryDeps, DeliveryResult, Round } from "./round";

export type { DeliveryDeps, DeliveryResult } from "./round";
export { claimDue } from "./claim";

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
  const world = deps.world();
  const quotaOf = (linkId: string) => {
    const link = world.linkById.get(linkId);
    return link ? deps.adapters[link.adapter].requestsPerMinute : null;
  };
  const limits = new Map(rows.map((r) => [r.id, holds.has(r.partnerId) ? [] : limitsOf(world, r.partnerId, r.homeId, limitsAt, quotaOf(r.linkId))]));
  const allowance = await reserveTokens(deps.db, [...limits.values()].flat(), limitsAt);
  const round: Round = {
    deps,
    now,
    secretsOf: secretsReader(deps.db, deps.cipher, new Date(limitsAt)),
    refreshing: new Map(),
    result,
    revokedLinks: new Set(),
    withheld: [],
    done: [],
    allowance,
    limits,
    holds,
  };
  const queue = [...rows];
  const workers = Array.from({ length: Math.min(deps.concurrency ?? 16, rows.length) }, async () => {
    for (let row = queue.shift(); row; row = queue.shift()) {
      if (round.revokedLinks.has(row.linkId)) {
        result.cancelled++; // its link was revoked a moment ago, in this round
        continue;
      }
      try {
        const kind = readOutboxKind(row.kind);
        if (kind?.message === "state") await deliverState(round, row);
        else if (kind?.message === "discovery") await deliverDiscovery(round, row);
        else await cancel(round, row, `an outbox kind this worker does not know: ${row.kind}`);
      } catch (err) {
        // One message that cannot be handled (its payload cannot be read or built, say) fails its
        // own attempt, like a partner that did not answer: retried with backoff, then dead-lettered.
        // The rest of the round goes on; only if that cannot be written either does the round fail.
        await failAttempt(round, row, err);
      }
    }
  });
  try {
    await Promise.all(workers);
  } finally {
    // Deliveries are recorded for the whole round in one statement (a crash before it means the
    // lease runs out and the message goes again, with the same id: at least once).
    await recordRound(round);
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
