import { listPartnerSummaries } from "@proviso/core";
import { z } from "zod";
import { createTRPCRouter, roleProcedure } from "../trpc";

export const partnersRouter = createTRPCRouter({
  list: roleProcedure("partners.list")
    .output(
      z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          adapter: z.enum(["alexa", "google", "webhook"]),
          activeVersion: z.number().nullable(),
          pendingVersions: z.array(z.object({ version: z.number(), status: z.string() })),
          activeLinks: z.number(),
          openDemands: z.number(),
        }),
      ),
    )
    .query(({ ctx }) => listPartnerSummaries(ctx.db)),
});
