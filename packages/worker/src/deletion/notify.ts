// Deletion reaches the partner. An unlink records a deletion request (packages/core
// unlink-partner.ts); this tells the platform in its own way (the adapter's deletionRequests:
// Home Graph forgets the agent user, Alexa hears DeleteReport for every endpoint it knew, a
// webhook gets a signed deletion.requested), marks the request sent and appends it to the
// chain. A platform with no way to be told (SmartThings) is marked so: its partner confirms in
// the portal. Failures retry with backoff. Requests are claimed (SKIP LOCKED, a lease), so
// several workers may run this.
import { appendAudit } from "@proviso/audit";
import type { TokenCipher } from "@proviso/core";
import { deletionRequests, type Database } from "@proviso/db";
import type { AdapterId, CallbackUrls } from "@proviso/domain";
import type { Adapters, PartnerLink, WireRequest } from "@proviso/partners";
import { eq, inArray, sql } from "drizzle-orm";
import { beforeExpiry } from "../lib/link-tokens";
import { asCalled, secretsReader } from "../lib/service-credential";

export interface DeletionNoticeDeps {
  db: Database;
  adapters: Adapters;
  /** Opens the platform's tokens kept for the link (Alexa's grant), when it gave any. */
  cipher: TokenCipher | null;
  now?: () => number;
}

const LEASE_MS = 120_000;
const backoffMs = (attempts: number) => Math.min(6 * 3_600_000, 60_000 * 2 ** Math.min(attempts, 10));

type Claimed = {
  id: string;
  link_id: string;
  requested_at: Date;
  deadline: Date;
  attempts: number;
  partner_id: string;
  home_id: string;
  region: string;
  external_account_id: string;
  access_token_enc: string | null;
  refresh_token_enc: string | null;
  token_expires_at: Date | string | null;
  callback_urls: CallbackUrls | null;
  adapter: AdapterId;
  devices: Record<string, string> | null;
};

/** Tells the platforms of the deletion requests due; what happened to each. */
export async function notifyDeletions(deps: DeletionNoticeDeps, limit = 50): Promise<{ sent: number; failed: number; noChannel: number }> {
  const now = new Date((deps.now ?? Date.now)());
  const claimed = await deps.db.transaction(async (tx) => {
    const rows = (
      await tx.execute<Claimed>(sql`
        select r.id, r.link_id, r.requested_at, r.deadline, r.attempts, l.partner_id, l.home_id, l.region, l.external_account_id,
               l.access_token_enc, l.refresh_token_enc, l.token_expires_at, l.callback_urls, p.adapter, d.devices
          from deletion_requests r
          join partner_links l on l.id = r.link_id
          join partners p on p.id = l.partner_id
          left join link_discovery d on d.link_id = l.id
         where r.status = 'pending' and r.told_via is null and (r.next_attempt_at is null or r.next_attempt_at <= ${now})
         order by r.requested_at
         limit ${limit}
           for update of r skip locked`)
    ).rows;
    if (rows.length) {
      await tx
        .update(deletionRequests)
        .set({ nextAttemptAt: new Date(now.getTime() + LEASE_MS) })
        .where(
          inArray(
            deletionRequests.id,
            rows.map((r) => r.id),
          ),
        );
    }
    return rows;
  });
  const result = { sent: 0, failed: 0, noChannel: 0 };
  for (const row of claimed) {
    const outcome = await tell(deps, row, now);
    result[outcome]++;
  }
  return result;
}

async function tell(deps: DeletionNoticeDeps, r: Claimed, now: Date): Promise<"sent" | "failed" | "noChannel"> {
  const open = (sealed: string | null) => {
    try {
      return sealed && deps.cipher ? deps.cipher.decrypt(sealed, r.link_id) : null;
    } catch {
      return null;
    }
  };
  const link: PartnerLink = {
    linkId: r.link_id,
    homeId: r.home_id,
    partnerId: r.partner_id,
    adapter: r.adapter,
    externalAccountId: r.external_account_id,
    region: r.region,
    accessToken: open(r.access_token_enc),
    refreshToken: open(r.refresh_token_enc),
    tokenExpiresAt: r.token_expires_at ? new Date(r.token_expires_at).getTime() : null,
    callbackUrls: r.callback_urls,
  };
  const notice = { id: r.id, requestedAt: new Date(r.requested_at), deadline: new Date(r.deadline), announced: Object.keys(r.devices ?? {}).sort() };
  const adapter = deps.adapters[r.adapter];
  let requests;
  try {
    const called = await beforeExpiry(deps.db, deps.cipher, adapter, await asCalled(adapter, link, secretsReader(deps.db, deps.cipher, now)), now.getTime());
    requests = adapter.deletionRequests(called, notice, now.getTime());
  } catch (err) {
    requests = err as Error;
  }
  if (requests instanceof Error) return failed(deps, r, now, `no credential for the platform: ${requests.message}`);
  if (requests === null) {
    await deps.db
      .update(deletionRequests)
      .set({ toldVia: "none", nextAttemptAt: null, lastError: "the platform offers no way to be told: its partner confirms in the partner portal" })
      .where(eq(deletionRequests.id, r.id));
    return "noChannel";
  }
  const error = await sendAll(requests);
  if (error) return failed(deps, r, now, error);
  await deps.db.transaction(async (tx) => {
    await tx
      .update(deletionRequests)
      .set({ status: "sent", sentAt: now, toldVia: "request", nextAttemptAt: null, lastError: null, attempts: r.attempts + 1 })
      .where(eq(deletionRequests.id, r.id));
    await appendAudit(
      tx,
      {
        action: "deletion.sent",
        entityType: "deletion_request",
        entityId: r.id,
        details: { linkId: r.link_id, homeId: r.home_id, partnerId: r.partner_id, requests: requests.length, deadline: notice.deadline.toISOString() },
      },
      now,
    );
  });
  return "sent";
}

/** An attempt that failed: tried again after a backoff. */
async function failed(deps: DeletionNoticeDeps, r: Claimed, now: Date, error: string): Promise<"failed"> {
  await deps.db
    .update(deletionRequests)
    .set({ attempts: r.attempts + 1, nextAttemptAt: new Date(now.getTime() + backoffMs(r.attempts)), lastError: error.slice(0, 300) })
    .where(eq(deletionRequests.id, r.id));
  return "failed";
}

/** Sends the requests in order; the first failure, as words (null: all taken). */
async function sendAll(requests: WireRequest[]): Promise<string | null> {
  for (const req of requests) {
    try {
      const res = await fetch(req.url, {
        method: req.method ?? "POST",
        headers: req.headers,
        body: req.method === "DELETE" ? undefined : req.body,
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) return `${req.method ?? "POST"} ${new URL(req.url).pathname} answered ${res.status}: ${(await res.text()).slice(0, 200)}`;
      await res.body?.cancel();
    } catch (err) {
      return `${req.method ?? "POST"} ${new URL(req.url).pathname} failed: ${(err as Error).message}`;
    }
  }
  return null;
}
