import { z } from "zod";
import { createTRPCRouter, publicProcedure } from "../trpc";

export const healthRouter = createTRPCRouter({
  ping: publicProcedure("health.ping")
    .output(z.object({ ok: z.literal(true), at: z.date() }))
    .query(() => ({ ok: true as const, at: new Date() })),
});
