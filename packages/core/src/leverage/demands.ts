// Demands: what a partner asks for (category, mode, purpose), the leverage behind it (a retail
// listing, a certification, other), the deadline, and how the maker answered — linked to the draft
// version that answers it. Partners file their own; managers answer. Every change is on the chain.
import { appendAudit } from "@proviso/audit";
import { CATEGORY_KEYS, PURPOSE_KEYS, categoryName } from "@proviso/domain";
import {
  agreements,
  agreementVersions,
  dataCategories,
  partnerDemands,
  programmes,
  retailChannels,
  retailListings,
  skus,
  type Database,
  type Executor,
} from "@proviso/db";
import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import { AppError } from "../errors";
import { fieldErrorsOf } from "../agreements/schemas";

export const demandInputSchema = z
  .object({
    category: z.enum(CATEGORY_KEYS as [string, ...string[]], { message: "Choose a data category" }),
    mode: z.enum(["on_request", "proactive"], { message: "Choose a mode" }),
    purpose: z.enum(PURPOSE_KEYS as unknown as [string, ...string[]], { message: "Choose a purpose" }),
    leverage: z.enum(["retail_listing", "certification", "other"]),
    listingId: z.uuid().nullish(),
    programmeId: z.uuid().nullish(),
    deadline: z.coerce.date().nullish(),
    description: z.string().trim().min(1, "Say what you ask for and why").max(4000),
  })
  .superRefine((d, ctx) => {
    if (d.leverage === "retail_listing" && !d.listingId)
      ctx.addIssue({ code: "custom", path: ["listingId"], message: "Choose the retail listing this depends on" });
    if (d.leverage === "certification" && !d.programmeId)
      ctx.addIssue({ code: "custom", path: ["programmeId"], message: "Choose the certification programme" });
  });

export type DemandInput = z.infer<typeof demandInputSchema>;

/** A partner's staff file a demand for their own partner: listings and programmes must be theirs. */
export async function fileDemand(db: Database, opts: { partnerId: string; userId: string; input: unknown; now?: Date }) {
  const parsed = demandInputSchema.safeParse(opts.input);
  if (!parsed.success) throw new AppError("INVALID", "Some fields are not valid", fieldErrorsOf(parsed.error));
  const d = parsed.data;
  if (d.deadline && d.deadline.getTime() < (opts.now ?? new Date()).getTime()) {
    throw new AppError("INVALID", "Some fields are not valid", { deadline: ["The deadline is in the past"] });
  }
  return db.transaction(async (tx) => {
    if (d.leverage === "retail_listing") {
      const [own] = await tx
        .select({ id: retailListings.id })
        .from(retailListings)
        .innerJoin(retailChannels, eq(retailChannels.id, retailListings.channelId))
        .where(and(eq(retailListings.id, d.listingId!), eq(retailChannels.partnerId, opts.partnerId)));
      if (!own) throw new AppError("INVALID", "Some fields are not valid", { listingId: ["Choose one of your own channels' listings"] });
    }
    if (d.leverage === "certification") {
      const [own] = await tx
        .select({ id: programmes.id })
        .from(programmes)
        .where(and(eq(programmes.id, d.programmeId!), eq(programmes.partnerId, opts.partnerId)));
      if (!own) throw new AppError("INVALID", "Some fields are not valid", { programmeId: ["Choose one of your own programmes"] });
    }
    const [row] = await tx
      .insert(partnerDemands)
      .values({
        partnerId: opts.partnerId,
        categoryKey: d.category,
        mode: d.mode,
        purposeKey: d.purpose,
        leverage: d.leverage,
        leverageListingId: d.leverage === "retail_listing" ? d.listingId! : null,
        leverageProgrammeId: d.leverage === "certification" ? d.programmeId! : null,
        description: d.description,
        deadline: d.deadline ?? null,
        filedById: opts.userId,
      })
      .returning();
    await appendAudit(tx, {
      actorId: opts.userId,
      action: "demand.filed",
      entityType: "partner_demand",
      entityId: row!.id,
      details: {
        partnerId: opts.partnerId,
        category: d.category,
        mode: d.mode,
        purpose: d.purpose,
        leverage: d.leverage,
        listingId: d.listingId ?? null,
        programmeId: d.programmeId ?? null,
        deadline: d.deadline?.toISOString() ?? null,
        description: d.description,
      },
    });
    return row!;
  });
}

export const demandAnswerSchema = z.object({
  demandId: z.uuid(),
  status: z.enum(["open", "countered", "accepted", "rejected"]),
  versionId: z.uuid().nullish(),
  note: z.string().trim().max(4000).default(""),
});

/** A manager answers: the status, the draft version that answers it (same partner), a note. */
export async function answerDemand(db: Database, opts: { userId: string; input: z.infer<typeof demandAnswerSchema> }) {
  const a = opts.input;
  return db.transaction(async (tx) => {
    const [demand] = await tx.select().from(partnerDemands).where(eq(partnerDemands.id, a.demandId));
    if (!demand) throw new AppError("NOT_FOUND", "Demand not found");
    if (a.versionId) {
      const [v] = await tx
        .select({ partnerId: agreements.partnerId })
        .from(agreementVersions)
        .innerJoin(agreements, eq(agreements.id, agreementVersions.agreementId))
        .where(eq(agreementVersions.id, a.versionId));
      if (!v) throw new AppError("NOT_FOUND", "Agreement version not found");
      if (v.partnerId !== demand.partnerId)
        throw new AppError("INVALID", "That version is another partner's", { versionId: ["Choose a version of this partner's agreement"] });
    }
    if ((a.status === "countered" || a.status === "rejected") && !a.note && !a.versionId) {
      throw new AppError("INVALID", "Say how you answer", { note: ["A counter or a rejection needs a note or a draft version"] });
    }
    const [row] = await tx
      .update(partnerDemands)
      .set({
        status: a.status,
        answeredByVersionId: a.versionId ?? demand.answeredByVersionId,
        responseNote: a.note || demand.responseNote,
        updatedAt: new Date(),
      })
      .where(eq(partnerDemands.id, a.demandId))
      .returning();
    await appendAudit(tx, {
      actorId: opts.userId,
      action: "demand.answered",
      entityType: "partner_demand",
      entityId: a.demandId,
      details: { partnerId: demand.partnerId, from: demand.status, to: a.status, versionId: a.versionId ?? null, note: a.note },
    });
    return row!;
  });
}

/** A partner's demands with what they hang on and how they were answered. */
export async function listDemands(db: Executor, partnerId: string) {
  const rows = await db
    .select({
      id: partnerDemands.id,
      category: partnerDemands.categoryKey,
      categoryName: dataCategories.name,
      mode: partnerDemands.mode,
      purpose: partnerDemands.purposeKey,
      leverage: partnerDemands.leverage,
      listingId: partnerDemands.leverageListingId,
      programmeId: partnerDemands.leverageProgrammeId,
      status: partnerDemands.status,
      deadline: partnerDemands.deadline,
      description: partnerDemands.description,
      responseNote: partnerDemands.responseNote,
      answeredByVersionId: partnerDemands.answeredByVersionId,
      answeredByVersion: agreementVersions.version,
      createdAt: partnerDemands.createdAt,
    })
    .from(partnerDemands)
    .innerJoin(dataCategories, eq(dataCategories.key, partnerDemands.categoryKey))
    .leftJoin(agreementVersions, eq(agreementVersions.id, partnerDemands.answeredByVersionId))
    .where(eq(partnerDemands.partnerId, partnerId))
    .orderBy(desc(partnerDemands.createdAt));
  const listings = await listingNames(db, partnerId);
  const progs = await db.select({ id: programmes.id, name: programmes.name }).from(programmes).where(eq(programmes.partnerId, partnerId));
  return rows.map((r) => ({
    ...r,
    leverageLabel:
      r.leverage === "retail_listing"
        ? `retail listing ${listings.get(r.listingId ?? "") ?? "?"}`
        : r.leverage === "certification"
          ? `certification ${progs.find((p) => p.id === r.programmeId)?.name ?? "?"}`
          : "other",
    summary: `${categoryName(r.category)} ${r.mode === "proactive" ? "whenever it changes" : "on request"}`,
  }));
}

async function listingNames(db: Executor, partnerId: string) {
  const rows = await db
    .select({ id: retailListings.id, sku: skus.code, channel: retailChannels.name })
    .from(retailListings)
    .innerJoin(retailChannels, eq(retailChannels.id, retailListings.channelId))
    .innerJoin(skus, eq(skus.id, retailListings.skuId))
    .where(eq(retailChannels.partnerId, partnerId));
  return new Map(rows.map((r) => [r.id, `${r.sku} on ${r.channel}`]));
}
