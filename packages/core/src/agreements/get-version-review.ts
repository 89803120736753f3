import type { Executor } from "@proviso/db";
import { computeEnforcementImpact } from "./enforcement-impact";
import { getVersionDocument, readClauses } from "./read-versions";
import { computeRedline } from "./redline";

/** What legal sees when reviewing: the document, its redline against its base, and its impact. */
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
  return {
    document,
    base: baseDoc ? { versionId: baseDoc.versionId, version: baseDoc.version, status: baseDoc.status } : null,
    redline: computeRedline(base, document.clauses),
    impact,
  };
}
