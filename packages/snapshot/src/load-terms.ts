// What the engine decides by, read from the database: the approved agreement versions with their
// clauses and windows, certifications, current consents and links.
import { agreementClauses, agreements, agreementVersions, certifications, deviceModels, partnerLinks, programmes, type Executor, readAll } from "@proviso/db";
import { APPROVED_VERSION_STATUSES } from "@proviso/domain";
import type { PolicySnapshot, SnapshotCertification, SnapshotConsent, SnapshotTerms, SnapshotVersion } from "@proviso/policy";
import { asc, eq, inArray, sql } from "drizzle-orm";

/** Approved versions with their clauses and the window each is in force (the engine decides by dates). */
export async function loadApprovedVersions(db: Executor): Promise<SnapshotVersion[]> {
  const [versionRows, clauseRows] = await readAll(db, [
    () =>
      db
        .select({
          versionId: agreementVersions.id,
          partnerId: agreements.partnerId,
          version: agreementVersions.version,
          effectiveFrom: agreementVersions.effectiveFrom,
          expiresAt: agreementVersions.expiresAt,
          endedAt: agreementVersions.endedAt,
        })
        .from(agreementVersions)
        .innerJoin(agreements, eq(agreements.id, agreementVersions.agreementId))
        .where(inArray(agreementVersions.status, [...APPROVED_VERSION_STATUSES])),
    () =>
      db
        .select({ versionId: agreementClauses.versionId, clauseKey: agreementClauses.clauseKey, terms: agreementClauses.terms })
        .from(agreementClauses)
        .innerJoin(agreementVersions, eq(agreementVersions.id, agreementClauses.versionId))
        .where(inArray(agreementVersions.status, [...APPROVED_VERSION_STATUSES]))
        .orderBy(asc(agreementClauses.position)),
  ]);
  const clausesByVersion = new Map<string, SnapshotVersion["clauses"][number][]>();
  for (const c of clauseRows) {
    const list = clausesByVersion.get(c.versionId) ?? [];
    list.push({ clauseKey: c.clauseKey, terms: c.terms });
    clausesByVersion.set(c.versionId, list);
  }
  return versionRows
    .filter((v) => v.effectiveFrom !== null)
    .map((v) => {
      const ends = [v.expiresAt, v.endedAt].filter((d): d is Date => d !== null).map((d) => d.getTime());
      return {
        versionId: v.versionId,
        partnerId: v.partnerId,
        version: v.version,
        effectiveFrom: v.effectiveFrom!.getTime(),
        endsAt: ends.length ? Math.min(...ends) : null,
        clauses: clausesByVersion.get(v.versionId) ?? [],
      };
    });
}

/**
 * Everything the engine needs, read in one go: approved versions with their clauses and the window
 * they are in force, current consents, links and certifications. Suspensions arrive with their issue.
 */
export async function loadPolicySnapshot(db: Executor): Promise<PolicySnapshot> {
  const [terms, consents, links] = await readAll(db, [
    () => loadPolicyTerms(db),
    () => loadCurrentConsents(db),
    () => db.select({ homeId: partnerLinks.homeId, partnerId: partnerLinks.partnerId, status: partnerLinks.status }).from(partnerLinks),
  ]);
  return { ...terms, consents, links };
}

/** The current consent per home × partner × category: the highest version. */
export async function loadCurrentConsents(db: Executor): Promise<SnapshotConsent[]> {
  const rows = await db.execute<{ home_id: string; partner_id: string; category_key: string; mode: SnapshotConsent["mode"]; version: number }>(
    sql`select distinct on (home_id, partner_id, category_key) home_id, partner_id, category_key, mode, version
          from consents order by home_id, partner_id, category_key, version desc`,
  );
  return rows.rows.map((c) => ({ homeId: c.home_id, partnerId: c.partner_id, category: c.category_key, mode: c.mode, version: Number(c.version) }));
}

/** Every certification of a model under a programme, as the engine reads it. */
export async function loadCertifications(db: Executor): Promise<SnapshotCertification[]> {
  const rows = await db
    .select({
      modelKey: deviceModels.key,
      programmeKey: programmes.key,
      status: certifications.status,
      validUntil: certifications.validUntil,
    })
    .from(certifications)
    .innerJoin(deviceModels, eq(deviceModels.id, certifications.modelId))
    .innerJoin(programmes, eq(programmes.id, certifications.programmeId));
  return rows.map((c) => ({ ...c, validUntil: c.validUntil?.getTime() ?? null }));
}

/** What the engine decides by apart from any home: approved versions and certifications (a few hundred rows). */
export async function loadPolicyTerms(db: Executor): Promise<SnapshotTerms> {
  const [versions, certifications] = await readAll(db, [() => loadApprovedVersions(db), () => loadCertifications(db)]);
  return { versions, certifications, suspensions: [] };
}

/**
 * The approved versions and certifications in an order of their own (the queries give rows in no
 * set order), as one text: equal when nothing the engine decides by moved.
 */
export function termsKey(terms: SnapshotTerms): string {
  const versions = [...terms.versions].sort((a, b) => a.versionId.localeCompare(b.versionId));
  const certifications = [...terms.certifications].sort((a, b) => a.modelKey.localeCompare(b.modelKey) || a.programmeKey.localeCompare(b.programmeKey));
  return JSON.stringify([versions, certifications, terms.suspensions ?? []]);
}
