import { getPartnerOverview } from "@proviso/core";
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
});
