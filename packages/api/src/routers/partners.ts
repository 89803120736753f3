import { ADAPTERS } from "@proviso/domain";
import {
  answerDemand,
  certificationUpdateSchema,
  demandAnswerSchema,
  draftForDemand,
  getPartnerLeverage,
  latestReplay,
  listPartnerSummaries,
  requestReplay,
  updateCertification,
  updateListing,
  listingUpdateSchema,
} from "@proviso/core";
import { z } from "zod";
import { createTRPCRouter, roleProcedure } from "../trpc";

export const partnersRouter = createTRPCRouter({
  list: roleProcedure("partners.list")
    .output(
      z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          adapter: z.enum(ADAPTERS),
          activeVersion: z.number().nullable(),
          pendingVersions: z.array(z.object({ version: z.number(), status: z.string() })),
          activeLinks: z.number(),
          openDemands: z.number(),
        }),
      ),
    )
    .query(({ ctx }) => listPartnerSummaries(ctx.db)),

  /** One partner at a glance: demands, certifications, listings, conflicts, alerts, delivery health. */
  leverage: roleProcedure("partners.leverage")
    .input(z.object({ partnerId: z.string().min(1) }))
    .query(({ ctx, input }) => getPartnerLeverage(ctx.db, input.partnerId)),

  answerDemand: roleProcedure("partners.answerDemand")
    .input(demandAnswerSchema)
    .mutation(({ ctx, input }) => answerDemand(ctx.db, { userId: ctx.user.id, input })),

  /** Answers a demand with a new draft of the partner's agreement (countered, linked). */
  draftForDemand: roleProcedure("partners.draftForDemand")
    .input(z.object({ demandId: z.uuid() }))
    .mutation(async ({ ctx, input }) => {
      const draft = await draftForDemand(ctx.db, { demandId: input.demandId, userId: ctx.user.id });
      return { id: draft.id, version: draft.version };
    }),

  updateListing: roleProcedure("partners.updateListing")
    .input(listingUpdateSchema)
    .mutation(({ ctx, input }) => updateListing(ctx.db, { userId: ctx.user.id, input })),

  updateCertification: roleProcedure("partners.updateCertification")
    .input(certificationUpdateSchema)
    .mutation(({ ctx, input }) => updateCertification(ctx.db, { userId: ctx.user.id, input })),

  /** Starts a what-if replay of the last `days` days with this version in place (the worker runs it). */
  requestReplay: roleProcedure("partners.requestReplay")
    .input(z.object({ versionId: z.uuid(), days: z.number().int().min(1).max(366) }))
    .mutation(({ ctx, input }) => requestReplay(ctx.db, { ...input, userId: ctx.user.id })),

  replay: roleProcedure("partners.replay")
    .input(z.object({ versionId: z.uuid() }))
    .query(({ ctx, input }) => latestReplay(ctx.db, input.versionId)),
});
