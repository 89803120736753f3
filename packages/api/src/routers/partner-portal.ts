import { agreements, agreementVersions } from "@proviso/db";
import { PARTNER_VISIBLE_VERSION_STATUSES } from "@proviso/domain";
import { listCheckpoints } from "@proviso/audit";
import { confirmDeletion, fileDemand, getPartnerOverview, getPartnerStats, getVersionDocument, listDemands, listPartnerDeletionRequests } from "@proviso/core";
import { and, eq, inArray } from "drizzle-orm";
import { versionDocument } from "../schemas";
import { z } from "zod";
import { createTRPCRouter, partnerProcedure } from "../trpc";

export const partnerPortalRouter = createTRPCRouter({
  overview: partnerProcedure("partnerPortal.overview")
    .output(
      z.object({
        partner: z.object({ id: z.string(), name: z.string() }),
        versions: z.array(
          z.object({
            id: z.string(),
            title: z.string(),
            version: z.number(),
            status: z.string(),
            summary: z.string(),
            effectiveFrom: z.date().nullable(),
          }),
        ),
        demands: z.array(
          z.object({
            id: z.string(),
            category: z.string(),
            mode: z.string(),
            leverage: z.string(),
            status: z.string(),
            deadline: z.date().nullable(),
            description: z.string(),
          }),
        ),
      }),
    )
    .query(({ ctx }) => getPartnerOverview(ctx.db, ctx.partnerId)),

  /** One of the partner's own versions; another partner's, or a draft, is NOT_FOUND. */
  version: partnerProcedure("partnerPortal.version")
    .input(z.object({ versionId: z.uuid() }))
    .output(versionDocument)
    .query(({ ctx, input }) =>
      getVersionDocument(
        ctx.db,
        input.versionId,
        and(eq(agreements.partnerId, ctx.partnerId), inArray(agreementVersions.status, [...PARTNER_VISIBLE_VERSION_STATUSES])),
      ),
    ),

  /** The partner's own statistics: decisions about its platform and its deliveries. */
  /**
   * The signed checkpoints, for the partner to keep: a copy the maker's operators cannot rewrite,
   * which a history cut short or forked later contradicts (`npm run audit:verify -- --witness FILE`).
   */
  checkpoints: partnerProcedure("partnerPortal.checkpoints").query(async ({ ctx }) => ({
    format: "proviso-audit-checkpoints/v1" as const,
    trustedKeys: [...ctx.trusted.values()],
    checkpoints: await listCheckpoints(ctx.db, 1_000),
  })),

  stats: partnerProcedure("partnerPortal.stats").query(({ ctx }) => getPartnerStats(ctx.db, ctx.partnerId)),

  /** The partner's own demands and how they were answered. */
  demands: partnerProcedure("partnerPortal.demands").query(({ ctx }) => listDemands(ctx.db, ctx.partnerId)),

  /** What the partner owes after unlinks: its deletion requests (sent, confirmed, overdue). */
  deletionRequests: partnerProcedure("partnerPortal.deletionRequests").query(({ ctx }) => listPartnerDeletionRequests(ctx.db, ctx.partnerId)),

  /** The partner confirms it deleted a home's data (its reference kept); only its own requests. */
  confirmDeletion: partnerProcedure("partnerPortal.confirmDeletion")
    .input(z.object({ requestId: z.uuid(), note: z.string().max(500).default("") }))
    .mutation(({ ctx, input }) =>
      confirmDeletion(ctx.db, { partnerId: ctx.partnerId, userId: ctx.user.id, requestId: input.requestId, note: input.note, now: new Date() }),
    ),

  /** Files a demand for the partner of the signed-in user (never one given in the input). */
  fileDemand: partnerProcedure("partnerPortal.fileDemand")
    .input(z.unknown())
    .mutation(async ({ ctx, input }) => {
      const d = await fileDemand(ctx.db, { partnerId: ctx.partnerId, userId: ctx.user.id, input });
      return { id: d.id, status: d.status };
    }),
});
