import { listReviewQueue } from "@proviso/core";
import { z } from "zod";
import { createTRPCRouter, roleProcedure } from "../trpc";

export const legalRouter = createTRPCRouter({
  reviewQueue: roleProcedure("legal.reviewQueue")
    .output(
      z.array(
        z.object({
          versionId: z.string(),
          version: z.number(),
          summary: z.string(),
          submittedAt: z.date().nullable(),
          effectiveFrom: z.date().nullable(),
          agreementTitle: z.string(),
          partnerId: z.string(),
          partnerName: z.string(),
          authorName: z.string().nullable(),
        }),
      ),
    )
    .query(({ ctx }) => listReviewQueue(ctx.db)),
});
