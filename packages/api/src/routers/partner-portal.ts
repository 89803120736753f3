import { agreements, agreementVersions } from "@proviso/db";
import { getPartnerOverview, getVersionDocument } from "@proviso/core";
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
        and(
          eq(agreements.partnerId, ctx.partnerId),
          inArray(agreementVersions.status, ["in_review", "approved", "active", "superseded", "terminated", "expired"]),
        ),
      ),
    ),
});
