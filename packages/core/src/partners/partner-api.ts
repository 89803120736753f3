// The partner API: what a partner's own systems ask of Proviso, authenticated as the partner's
// OAuth client (HTTP Basic with its client_id and client_secret, the credentials it links homes
// with; a client without redirect URIs is for this API only). Today: the deletion requests it owes
// and its confirmation that it deleted (the same record as its staff's confirmation in the portal).
import { deletionRequests, partnerLinks, type Database, type Executor } from "@proviso/db";
import { and, desc, eq, inArray } from "drizzle-orm";
import { clientCredentials, findClient } from "../linking/oauth";
import { confirmDeletion } from "./deletion-requests";

export interface PartnerCaller {
  partnerId: string;
  clientId: string;
}

/** The partner whose client's credentials the Authorization header carries, or null. */
export async function partnerCaller(db: Executor, authorization: string | null): Promise<PartnerCaller | null> {
  const creds = clientCredentials({}, authorization ? { authorization } : {});
  const client = creds ? await findClient(db, creds.id, creds.secret) : null;
  return client ? { partnerId: client.partnerId, clientId: client.id } : null;
}

const STATUSES = ["pending", "sent", "confirmed", "overdue"] as const;
export type DeletionStatus = (typeof STATUSES)[number];
export const isDeletionStatus = (s: string): s is DeletionStatus => (STATUSES as readonly string[]).includes(s);

/** The caller's deletion requests, newest first (at most 500), as the platform knows the accounts: by its own account id. */
export async function partnerDeletionRequests(db: Executor, caller: PartnerCaller, statuses: DeletionStatus[] = []) {
  const rows = await db
    .select({
      id: deletionRequests.id,
      accountId: partnerLinks.externalAccountId,
      requestedAt: deletionRequests.requestedAt,
      deadline: deletionRequests.deadline,
      status: deletionRequests.status,
      confirmedAt: deletionRequests.confirmedAt,
      reference: deletionRequests.confirmationNote,
    })
    .from(deletionRequests)
    .innerJoin(partnerLinks, eq(partnerLinks.id, deletionRequests.linkId))
    .where(and(eq(partnerLinks.partnerId, caller.partnerId), statuses.length ? inArray(deletionRequests.status, statuses) : undefined))
    .orderBy(desc(deletionRequests.requestedAt))
    .limit(500);
  return rows.map((r) => ({
    ...r,
    requestedAt: r.requestedAt.toISOString(),
    deadline: r.deadline.toISOString(),
    confirmedAt: r.confirmedAt?.toISOString() ?? null,
  }));
}

/** The caller's systems confirm a deletion, with their reference. */
export function confirmDeletionByPartner(db: Database, caller: PartnerCaller, requestId: string, reference: string, now = new Date()) {
  return confirmDeletion(db, { partnerId: caller.partnerId, userId: null, viaClient: caller.clientId, requestId, note: reference, now });
}
