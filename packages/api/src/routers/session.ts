import { ROLE_HOME, ROLES } from "@proviso/domain";
import { z } from "zod";
import { createTRPCRouter, signedInProcedure } from "../trpc";

export const sessionRouter = createTRPCRouter({
  me: signedInProcedure("session.me")
    .output(
      z.object({
        id: z.string(),
        email: z.string(),
        name: z.string(),
        role: z.enum(ROLES),
        partnerId: z.string().nullable(),
        landing: z.string(),
      }),
    )
    .query(({ ctx }) => ({ ...ctx.user, landing: ROLE_HOME[ctx.user.role] })),
});
