import { getHomeOverviewForUser } from "@proviso/core";
import { z } from "zod";
import { createTRPCRouter, roleProcedure } from "../trpc";

const homeOverview = z.array(
  z.object({
    id: z.string(),
    name: z.string(),
    region: z.string(),
    timezone: z.string(),
    devices: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        room: z.string(),
        serial: z.string(),
        model: z.string(),
        kind: z.enum(["thermostat", "sensor", "lock"]),
        lastSeenAt: z.date().nullable(),
        reachable: z.boolean(),
        state: z.record(z.string(), z.object({ value: z.unknown(), observedAt: z.string() })),
      }),
    ),
    links: z.array(
      z.object({
        id: z.string(),
        partnerId: z.string(),
        partnerName: z.string(),
        status: z.enum(["active", "revoked", "unlinked"]),
        linkedAt: z.date(),
      }),
    ),
  }),
);

export const homeRouter = createTRPCRouter({
  overview: roleProcedure("home.overview")
    .output(homeOverview)
    .query(({ ctx }) => getHomeOverviewForUser(ctx.db, ctx.user.id)),
});
