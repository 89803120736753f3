// Drafting: a new version from the one in force, edited clause by clause, submitted for review.
import { appendAudit } from "@proviso/audit";
import { agreementClauses, agreements, agreementVersionEvents, agreementVersions, type Database } from "@proviso/db";
import { and, asc, desc, eq, inArray, max } from "drizzle-orm";
import { AppError } from "../errors";
import { draftInputSchema, fieldErrorsOf } from "./schemas";
import { transitionVersion } from "./version-events";

/** Copies the active version (or the newest approved one) into a new draft with the next number. */
export async function createDraftVersion(db: Database, opts: { agreementId: string; authorId: string }) {
  return db.transaction(async (tx) => {
    const [agreement] = await tx.select().from(agreements).where(eq(agreements.id, opts.agreementId));
    if (!agreement) throw new AppError("NOT_FOUND", "Agreement not found");
    const [base] = await tx
      .select()
      .from(agreementVersions)
      .where(and(eq(agreementVersions.agreementId, opts.agreementId), inArray(agreementVersions.status, ["active", "approved"])))
      .orderBy(desc(agreementVersions.status), desc(agreementVersions.version))
      .limit(1);
    const [{ latest } = { latest: 0 }] = await tx
      .select({ latest: max(agreementVersions.version) })
      .from(agreementVersions)
      .where(eq(agreementVersions.agreementId, opts.agreementId));
    const [draft] = await tx
      .insert(agreementVersions)
      .values({
        agreementId: opts.agreementId,
        version: (latest ?? 0) + 1,
        status: "draft",
        summary: "",
        basedOnId: base?.id ?? null,
        authorId: opts.authorId,
        expiresAt: base?.expiresAt ?? null,
      })
      .returning();
    if (base) {
      const clauses = await tx.select().from(agreementClauses).where(eq(agreementClauses.versionId, base.id));
      if (clauses.length) {
        await tx.insert(agreementClauses).values(clauses.map(({ id: _id, versionId: _v, ...c }) => ({ ...c, versionId: draft!.id })));
      }
    }
    await tx.insert(agreementVersionEvents).values({
      versionId: draft!.id,
      fromStatus: null,
      toStatus: "draft",
      actorId: opts.authorId,
      note: base ? `Drafted from v${base.version}` : "Drafted",
    });
    await appendAudit(tx, {
      actorId: opts.authorId,
      action: "agreement_version.drafted",
      entityType: "agreement_version",
      entityId: draft!.id,
      details: { agreementId: opts.agreementId, version: draft!.version, basedOn: base?.id ?? null },
    });
    return draft!;
  });
}

/** Replaces a draft's clauses and dates. Only drafts change; terms are validated per kind. */
/** Every edit names its user on the chain (the two-person rule reads it there). */
export async function saveDraftVersion(db: Database, input: unknown, opts: { userId: string }) {
  const parsed = draftInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError("INVALID", "Some terms are not valid", fieldErrorsOf(parsed.error));
  }
  const v = parsed.data;
  return db.transaction(async (tx) => {
    const [updated] = await tx
      .update(agreementVersions)
      .set({ summary: v.summary, effectiveFrom: v.effectiveFrom, expiresAt: v.expiresAt })
      .where(and(eq(agreementVersions.id, v.versionId), eq(agreementVersions.status, "draft")))
      .returning();
    if (!updated) {
      const [exists] = await tx.select({ status: agreementVersions.status }).from(agreementVersions).where(eq(agreementVersions.id, v.versionId));
      if (!exists) throw new AppError("NOT_FOUND", "Agreement version not found");
      throw new AppError("CONFLICT", `Only a draft can be edited; this version is ${exists.status.replace("_", " ")}.`);
    }
    await tx.delete(agreementClauses).where(eq(agreementClauses.versionId, v.versionId));
    await tx.insert(agreementClauses).values(
      v.clauses.map((c, position) => ({
        versionId: v.versionId,
        clauseKey: c.clauseKey,
        kind: c.terms.kind,
        title: c.title,
        legalText: c.legalText,
        terms: c.terms,
        position,
      })),
    );
    // The edit's full content is on the record: the chain commits to the terms as saved.
    await appendAudit(tx, {
      actorId: opts.userId,
      action: "agreement_version.edited",
      entityType: "agreement_version",
      entityId: v.versionId,
      details: {
        summary: v.summary,
        effectiveFrom: v.effectiveFrom?.toISOString() ?? null,
        expiresAt: v.expiresAt?.toISOString() ?? null,
        clauses: v.clauses.map((c) => ({ clauseKey: c.clauseKey, title: c.title, legalText: c.legalText, terms: c.terms })),
      },
    });
    return updated;
  });
}

export async function submitVersionForReview(db: Database, opts: { versionId: string; userId: string }) {
  return db.transaction(async (tx) => {
    const [v] = await tx.select().from(agreementVersions).where(eq(agreementVersions.id, opts.versionId));
    if (!v) throw new AppError("NOT_FOUND", "Agreement version not found");
    const clauses = await tx
      .select({ id: agreementClauses.id })
      .from(agreementClauses)
      .where(eq(agreementClauses.versionId, opts.versionId))
      .orderBy(asc(agreementClauses.position));
    const problems: Record<string, string[]> = {};
    if (!v.effectiveFrom) problems.effectiveFrom = ["Choose the date this version takes effect"];
    if (clauses.length === 0) problems.clauses = ["A version needs at least one clause"];
    if (Object.keys(problems).length) throw new AppError("INVALID", "This draft is not ready for review", problems);
    return transitionVersion(tx, {
      versionId: opts.versionId,
      from: ["draft"],
      to: "in_review",
      actorId: opts.userId,
      set: { submittedAt: new Date() },
    });
  });
}
