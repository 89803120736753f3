// Reading agreements: the list per partner, and any version as a clean document.
import {
  agreementClauses,
  agreements,
  agreementSignoffs,
  agreementVersionEvents,
  agreementVersions,
  partners,
  users,
  type Executor,
  readAll,
} from "@proviso/db";
import { alias } from "drizzle-orm/pg-core";
import { and, asc, desc, eq, type SQL } from "drizzle-orm";
import { AppError } from "../errors";
import type { ClauseView } from "./redline";

export async function listAgreements(db: Executor, opts: { partnerId?: string } = {}) {
  const rows = await db
    .select({
      agreementId: agreements.id,
      title: agreements.title,
      partnerId: partners.id,
      partnerName: partners.name,
      versionId: agreementVersions.id,
      version: agreementVersions.version,
      status: agreementVersions.status,
      summary: agreementVersions.summary,
      effectiveFrom: agreementVersions.effectiveFrom,
      authorName: users.name,
    })
    .from(agreements)
    .innerJoin(partners, eq(partners.id, agreements.partnerId))
    .leftJoin(agreementVersions, eq(agreementVersions.agreementId, agreements.id))
    .leftJoin(users, eq(users.id, agreementVersions.authorId))
    .where(opts.partnerId ? eq(agreements.partnerId, opts.partnerId) : undefined)
    .orderBy(asc(partners.name), desc(agreementVersions.version));
  const byAgreement = new Map<string, { agreementId: string; title: string; partnerId: string; partnerName: string; versions: VersionSummary[] }>();
  for (const r of rows) {
    let a = byAgreement.get(r.agreementId);
    if (!a) {
      a = { agreementId: r.agreementId, title: r.title, partnerId: r.partnerId, partnerName: r.partnerName, versions: [] };
      byAgreement.set(r.agreementId, a);
    }
    if (r.versionId) {
      a.versions.push({
        versionId: r.versionId,
        version: r.version!,
        status: r.status!,
        summary: r.summary!,
        effectiveFrom: r.effectiveFrom,
        authorName: r.authorName,
      });
    }
  }
  return [...byAgreement.values()];
}

export interface VersionSummary {
  versionId: string;
  version: number;
  status: (typeof agreementVersions.$inferSelect)["status"];
  summary: string;
  effectiveFrom: Date | null;
  authorName: string | null;
}

/** A version with its clauses, sign-offs and history. `scope` narrows who may read it (e.g. a partner). */
export async function getVersionDocument(db: Executor, versionId: string, scope?: SQL) {
  const author = alias(users, "author");
  const [v] = await db
    .select({
      versionId: agreementVersions.id,
      agreementId: agreements.id,
      title: agreements.title,
      partnerId: partners.id,
      partnerName: partners.name,
      version: agreementVersions.version,
      status: agreementVersions.status,
      summary: agreementVersions.summary,
      basedOnId: agreementVersions.basedOnId,
      authorId: agreementVersions.authorId,
      authorName: author.name,
      effectiveFrom: agreementVersions.effectiveFrom,
      expiresAt: agreementVersions.expiresAt,
      submittedAt: agreementVersions.submittedAt,
      activatedAt: agreementVersions.activatedAt,
      endedAt: agreementVersions.endedAt,
      createdAt: agreementVersions.createdAt,
    })
    .from(agreementVersions)
    .innerJoin(agreements, eq(agreements.id, agreementVersions.agreementId))
    .innerJoin(partners, eq(partners.id, agreements.partnerId))
    .leftJoin(author, eq(author.id, agreementVersions.authorId))
    .where(and(eq(agreementVersions.id, versionId), scope));
  if (!v) throw new AppError("NOT_FOUND", "Agreement version not found");
  const [clauses, signoffs, events] = await readAll(db, [
    () => readClauses(db, versionId),
    () =>
      db
        .select({
          decision: agreementSignoffs.decision,
          comment: agreementSignoffs.comment,
          at: agreementSignoffs.createdAt,
          name: users.name,
        })
        .from(agreementSignoffs)
        .innerJoin(users, eq(users.id, agreementSignoffs.userId))
        .where(eq(agreementSignoffs.versionId, versionId))
        .orderBy(asc(agreementSignoffs.createdAt)),
    () =>
      db
        .select({
          from: agreementVersionEvents.fromStatus,
          to: agreementVersionEvents.toStatus,
          note: agreementVersionEvents.note,
          at: agreementVersionEvents.at,
          actorName: users.name,
        })
        .from(agreementVersionEvents)
        .leftJoin(users, eq(users.id, agreementVersionEvents.actorId))
        .where(eq(agreementVersionEvents.versionId, versionId))
        .orderBy(asc(agreementVersionEvents.at), asc(agreementVersionEvents.id)),
  ]);
  return { ...v, clauses, signoffs, events };
}

export async function readClauses(db: Executor, versionId: string): Promise<ClauseView[]> {
  return db
    .select({
      clauseKey: agreementClauses.clauseKey,
      kind: agreementClauses.kind,
      title: agreementClauses.title,
      legalText: agreementClauses.legalText,
      terms: agreementClauses.terms,
    })
    .from(agreementClauses)
    .where(eq(agreementClauses.versionId, versionId))
    .orderBy(asc(agreementClauses.position));
}
