import type { Executor } from "@proviso/db";
import { computeEnforcementImpact } from "./enforcement-impact";
import { getVersionDocument, readClauses } from "./read-versions";
import { computeRedline } from "./redline";
import { listDemands } from "../leverage/demands";
import { listingsAtRisk } from "../leverage/leverage";

/**
 * What legal sees when reviewing: the document, its redline against its base, its impact, the
 * retail listings it puts at risk and the demands it answers.
 */

export async function getVersionReview(db: Executor, versionId: string, now: Date) {
  const document = await getVersionDocument(db, versionId);
  const base = document.basedOnId ? await readClauses(db, document.basedOnId) : [];
  const baseDoc = document.basedOnId ? await getVersionDocument(db, document.basedOnId) : null;
  const impact = await computeEnforcementImpact(db, {
    versionId,
    partnerId: document.partnerId,
    version: document.version,
    now,
  });
  // Listings that hang on a clause this version removes (a termination puts every one at risk).
  const atRisk = await listingsAtRisk(db, {
    partnerId: document.partnerId,
    versionId,
    baseVersionId: document.basedOnId ?? null,
    terminating: document.status === "terminated",
  });
  const demands = (await listDemands(db, document.partnerId)).filter((d) => d.answeredByVersionId === versionId);
  return {
    document,
    base: baseDoc ? { versionId: baseDoc.versionId, version: baseDoc.version, status: baseDoc.status } : null,
    redline: computeRedline(base, document.clauses),
    impact,
    listingsAtRisk: atRisk,
    answersDemands: demands.map((d) => ({ id: d.id, summary: d.summary, leverageLabel: d.leverageLabel, status: d.status, description: d.description })),
  };
}
