// The demo's fixed reference data, written by `seed` around the generated fleet: the catalogue,
// the staff, each partner's agreement with its history and sign-offs, and the partners' demands.
import { CATEGORIES, PURPOSES } from "@proviso/domain";
import {
  agreementClauses,
  agreements,
  agreementSignoffs,
  agreementVersionEvents,
  agreementVersions,
  certifications,
  dataCategories,
  deviceModels,
  partnerDemands,
  partners,
  programmes,
  purposes,
  retailChannels,
  retailListings,
  skus,
  users,
  type Executor,
} from "@proviso/db";
import { eq } from "drizzle-orm";
import { AGREEMENTS } from "./agreements";
import * as cat from "./catalogue";
import { demoPasswordHash, STAFF } from "./people";
import { stableId } from "./random";

/** Multi-row inserts under Postgres's 65,535-parameter limit; existing rows are left alone. */
export async function insertChunked<T extends Record<string, unknown>>(tx: Executor, table: Parameters<Executor["insert"]>[0], rows: T[]): Promise<void> {
  if (rows.length === 0) return;
  const perRow = Object.keys(rows[0]!).length;
  const size = Math.max(1, Math.floor(30_000 / perRow));
  for (let i = 0; i < rows.length; i += size) {
    await tx
      .insert(table)
      .values(rows.slice(i, i + size) as never)
      .onConflictDoNothing();
  }
}

export async function seedCatalogue(tx: Executor, now: Date) {
  await insertChunked(
    tx,
    dataCategories,
    CATEGORIES.map((c) => ({ ...c, properties: [...c.properties] })),
  );
  await insertChunked(
    tx,
    purposes,
    PURPOSES.map((p) => ({ ...p })),
  );
  await insertChunked(
    tx,
    partners,
    cat.PARTNERS.map((p) => ({ ...p })),
  );
  await insertChunked(tx, programmes, cat.PROGRAMMES);
  await insertChunked(tx, retailChannels, cat.CHANNELS);
  await insertChunked(tx, deviceModels, cat.MODELS);
  await insertChunked(tx, skus, cat.SKUS);
  await insertChunked(tx, certifications, cat.certifications(now));
  await insertChunked(tx, retailListings, cat.retailListings());
}

export async function seedStaff(tx: Executor) {
  const existing = new Set((await tx.select({ email: users.email }).from(users)).map((u) => u.email));
  for (const u of STAFF) {
    if (existing.has(u.email)) continue;
    await tx
      .insert(users)
      .values({ ...u, passwordHash: await demoPasswordHash() })
      .onConflictDoNothing();
  }
}

const staffId = (email: string) => STAFF.find((s) => s.email === email)!.id;

export async function seedAgreements(tx: Executor, now: Date) {
  const manager = staffId("manager@proviso.test");
  const legal = staffId("legal@proviso.test");
  for (const a of AGREEMENTS) {
    const agreementId = stableId(`agreement:${a.partnerId}`);
    await tx.insert(agreements).values({ id: agreementId, partnerId: a.partnerId, title: a.title }).onConflictDoNothing();
    let previous: string | null = null;
    for (const v of a.versions) {
      const versionId = stableId(`version:${a.partnerId}:${v.version}`);
      const effectiveFrom = new Date(now.getTime() + v.effectiveFromDays * cat.DAY_MS);
      const createdAt = new Date(Math.min(effectiveFrom.getTime(), now.getTime()) - 20 * cat.DAY_MS);
      const submittedAt = new Date(createdAt.getTime() + 5 * cat.DAY_MS);
      const approvedAt = new Date(createdAt.getTime() + 10 * cat.DAY_MS);
      await tx
        .insert(agreementVersions)
        .values({
          id: versionId,
          agreementId,
          version: v.version,
          status: v.status,
          summary: v.summary,
          basedOnId: previous,
          authorId: manager,
          effectiveFrom,
          submittedAt: v.status === "draft" ? null : submittedAt,
          activatedAt: v.status === "active" ? effectiveFrom : null,
          createdAt,
        })
        .onConflictDoNothing();
      await insertChunked(
        tx,
        agreementClauses,
        v.clauses.map((c, position) => ({
          id: stableId(`clause:${versionId}:${c.clauseKey}`),
          versionId,
          clauseKey: c.clauseKey,
          kind: c.terms.kind,
          title: c.title,
          legalText: c.legalText,
          terms: c.terms,
          position,
        })),
      );
      const history: { from: string | null; to: string; actor: string | null; at: Date }[] = [{ from: null, to: "draft", actor: manager, at: createdAt }];
      if (v.status !== "draft") history.push({ from: "draft", to: "in_review", actor: manager, at: submittedAt });
      if (v.status === "active") {
        history.push({ from: "in_review", to: "approved", actor: legal, at: approvedAt });
        history.push({ from: "approved", to: "active", actor: null, at: effectiveFrom });
        await tx
          .insert(agreementSignoffs)
          .values({
            id: stableId(`signoff:${versionId}`),
            versionId,
            userId: legal,
            decision: "approved",
            comment: "Terms match the negotiated position.",
            createdAt: approvedAt,
          })
          .onConflictDoNothing();
      }
      const [{ count } = { count: 0 }] = await tx
        .select({ count: agreementVersionEvents.id })
        .from(agreementVersionEvents)
        .where(eq(agreementVersionEvents.versionId, versionId))
        .limit(1);
      if (!count) {
        await tx.insert(agreementVersionEvents).values(
          history.map((h) => ({
            versionId,
            fromStatus: h.from as never,
            toStatus: h.to as never,
            actorId: h.actor,
            at: h.at,
          })),
        );
      }
      previous = versionId;
    }
  }
}

export async function seedDemands(tx: Executor, now: Date) {
  const inDays = (d: number) => new Date(now.getTime() + d * cat.DAY_MS);
  const wwa = cat.PROGRAMMES.find((p) => p.key === "works-with-alexa")!.id;
  const wwgh = cat.PROGRAMMES.find((p) => p.key === "works-with-google-home")!.id;
  const alexaUser = staffId("alexa@partners.proviso.test");
  const rows = [
    {
      key: "alexa-temperature",
      partnerId: "alexa",
      categoryKey: cat.CATEGORY.temperature,
      mode: "proactive" as const,
      purposeKey: "functional.service.automation",
      leverage: "certification" as const,
      leverageProgrammeId: wwa,
      description: "Works with Alexa requires proactive temperature for thermostats and sensors.",
      deadline: inDays(20),
      status: "countered" as const,
      answeredByVersionId: stableId("version:alexa:2"),
      filedById: alexaUser,
    },
    {
      key: "alexa-occupancy",
      partnerId: "alexa",
      categoryKey: cat.CATEGORY.occupancy,
      mode: "proactive" as const,
      purposeKey: "personalize.recommendations",
      leverage: "retail_listing" as const,
      leverageListingId: stableId("listing:S1-US:amazon-store"),
      description: "Keep the S1 sensor's Amazon listing: share occupancy proactively for Alexa routines and hunches.",
      deadline: inDays(14),
      status: "open" as const,
      answeredByVersionId: stableId("version:alexa:2"),
      filedById: alexaUser,
    },
    {
      key: "alexa-lock",
      partnerId: "alexa",
      categoryKey: cat.CATEGORY.lock,
      mode: "proactive" as const,
      purposeKey: "functional.service.automation",
      leverage: "certification" as const,
      leverageProgrammeId: wwa,
      description: "The L1 lock cannot be certified for Works with Alexa unless lock state is proactively reported.",
      deadline: inDays(30),
      status: "open" as const,
      answeredByVersionId: stableId("version:alexa:2"),
      filedById: alexaUser,
    },
    {
      key: "google-lock",
      partnerId: "google-home",
      categoryKey: cat.CATEGORY.lock,
      mode: "proactive" as const,
      purposeKey: "functional.service.automation",
      leverage: "certification" as const,
      leverageProgrammeId: wwgh,
      description: "Report lock state with willReportState to keep Works with Google Home for the L1.",
      deadline: inDays(45),
      status: "open" as const,
      filedById: staffId("google@partners.proviso.test"),
    },
  ];
  await insertChunked(
    tx,
    partnerDemands,
    rows.map(({ key, ...r }) => ({ id: stableId(`demand:${key}`), ...r })),
  );
}
