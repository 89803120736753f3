// Sending one request and reading the platform's answer, after the partner's hold and the
// clauses' rate limits have let it go.
import { outbox } from "@proviso/db";
import { DEFAULT_RETRY, type PartnerAdapter, type WireRequest } from "@proviso/partners";
import type { LinkInfo } from "@proviso/snapshot";
import { eq, sql } from "drizzle-orm";
import { readAccessToken, storeTokens } from "../lib/link-tokens";
import type { OutboxRow } from "./claim";
import { httpPost } from "./http-post";
import { holdPartner } from "./rate-limits";
import { failed, revokeLink } from "./record";
import type { Round } from "./round";

/**
 * A partner's hold (it answered 429) and the clauses' rate limits, across the integration and
 * about one home: a send any of them holds back goes again when the hold ends or its buckets have
 * room (the attempt it was claimed for does not count).
 */
export async function heldBack(round: Round, row: OutboxRow, now: number): Promise<boolean> {
  const hold = round.holds.get(row.partnerId);
  const wait = hold !== undefined && hold > now ? hold - now : round.allowance.take(round.limits.get(row.id) ?? []);
  if (wait <= 0) return false;
  await round.deps.db
    .update(outbox)
    .set({ nextAttemptAt: new Date(now + wait), leasedUntil: null, attempts: sql`${outbox.attempts} - 1` })
    .where(eq(outbox.id, row.id));
  round.result.deferred++;
  return true;
}

/**
 * Sends one request and reads the answer as the platform's adapter classifies it. A 401 refreshes
 * the token once and sends again (with a request built for the refreshed link); a revocation stops
 * the link; a retry or dead letter is recorded here. Returns the answer's status and the link as
 * it ended (its token refreshed, perhaps) when the partner took it, null otherwise.
 */
export async function send(
  round: Round,
  row: OutboxRow,
  adapter: PartnerAdapter,
  link: LinkInfo,
  build: (link: LinkInfo) => WireRequest,
): Promise<{ status: number | null; link: LinkInfo } | null> {
  const { deps } = round;
  const now = round.now();
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
    const outcome = adapter.classify({ status, retryAfter, attempt: row.attempts, tokenRefreshed, now: round.now(), policy: deps.retry ?? DEFAULT_RETRY });
    if (outcome.kind !== "delivered") deps.onPartnerError?.(row.partnerId, status);
    switch (outcome.kind) {
      case "delivered":
        return { status, link: currentLink };
      case "refresh_token":
        tokenRefreshed = true;
        try {
          currentLink = await refreshed(round, adapter, link);
        } catch (err) {
          error = (err as Error).message;
        }
        continue;
      case "revoked":
        round.revokedLinks.add(link.linkId);
        await revokeLink(deps.db, link.linkId, row.id, now);
        round.result.revoked++;
        return null;
      case "retry":
      case "dead":
        await failed(round, row.id, outcome, status, `${outcome.reason}${error ? `: ${error}` : ""}`);
        // Too many requests: the whole integration waits, in every worker, not this message alone.
        if (status === 429 && outcome.kind === "retry") {
          const until = now + outcome.delayMs;
          if ((round.holds.get(row.partnerId) ?? 0) < until) {
            round.holds.set(row.partnerId, until);
            await holdPartner(deps.db, row.partnerId, until, `429${retryAfter ? ` (Retry-After: ${retryAfter})` : ""}`, now);
          }
        }
        return null;
    }
  }
}

/** The link with a fresh token: refreshed at the platform where it grants them, else the one stored now (another worker may have refreshed it). */
async function refreshed(round: Round, adapter: PartnerAdapter, link: LinkInfo): Promise<LinkInfo> {
  const { db, cipher } = round.deps;
  if (!cipher) return link;
  if (adapter.credentials && link.refreshToken) {
    const fresh = await adapter.credentials.refresh(link.refreshToken, link);
    await storeTokens(db, cipher, link.linkId, fresh);
    return { ...link, accessToken: fresh.accessToken, refreshToken: fresh.refreshToken };
  }
  const stored = await readAccessToken(db, cipher, link.linkId);
  return stored ? { ...link, accessToken: stored } : link;
}
