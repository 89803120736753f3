import {
  getHomeLedger,
  getHomeShareChart,
  getHomeOverviewForUser,
  getHomeSharing,
  listDeletionRequests,
  listLinkablePlatforms,
  setHomeConsent,
  unlinkPartner,
} from "@proviso/core";
import { CATEGORY_KEYS, DELETION_STATUSES, SHARE_MODES } from "@proviso/domain";
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

const shareMode = z.enum(SHARE_MODES);

export const homeRouter = createTRPCRouter({
  /** Per linked partner and category: the mode in force, why, and the choices on offer. */
  sharing: roleProcedure("home.sharing")
    .input(z.object({ homeId: z.uuid() }))
    .output(
      z.array(
        z.object({
          linkId: z.string(),
          partnerId: z.string(),
          partnerName: z.string(),
          status: z.enum(["active", "revoked", "unlinked"]),
          categories: z.array(
            z.object({
              category: z.string(),
              name: z.string(),
              inForce: shareMode,
              consent: z.object({ mode: shareMode, version: z.number() }).nullable(),
              description: z.string(),
              why: z.array(z.string()),
              options: z.array(z.object({ mode: shareMode, label: z.string() })),
            }),
          ),
          /** The version in force, in plain words, clause by clause. */
          agreement: z
            .object({ version: z.number(), effectiveFrom: z.date(), summary: z.array(z.object({ clauseKey: z.string(), text: z.string() })) })
            .nullable(),
        }),
      ),
    )
    .query(({ ctx, input }) => getHomeSharing(ctx.db, { userId: ctx.user.id, homeId: input.homeId, now: new Date() })),

  /** Shares per platform per day over the last `days` days (sent, minimised and withheld). */
  shareChart: roleProcedure("home.shareChart")
    .input(z.object({ homeId: z.uuid(), days: z.number().int().min(1).max(366).default(30) }))
    .query(({ ctx, input }) => getHomeShareChart(ctx.db, { userId: ctx.user.id, homeId: input.homeId, days: input.days, now: new Date() })),

  /** Every decision for the home, newest first, by cursor. */
  ledger: roleProcedure("home.ledger")
    .input(
      z.object({
        homeId: z.uuid(),
        partnerId: z.string().optional(),
        category: z.string().optional(),
        outcome: z.enum(["send", "withhold", "transform"]).optional(),
        from: z.date().optional(),
        to: z.date().optional(),
        cursor: z.object({ decidedAt: z.date(), id: z.number().int() }).nullish(),
        limit: z.number().int().min(1).max(200).default(50),
      }),
    )
    .output(
      z.object({
        entries: z.array(
          z.object({
            id: z.number(),
            decidedAt: z.date(),
            observedAt: z.date(),
            partnerId: z.string(),
            partnerName: z.string(),
            deviceName: z.string(),
            room: z.string(),
            category: z.string(),
            categoryName: z.string(),
            mode: shareMode,
            stage: z.enum(["change", "delivery", "request"]),
            cause: z.enum(["physical", "app", "voice", "schedule", "periodic"]).nullable(),
            outcome: z.enum(["send", "withhold", "transform"]),
            sent: z.record(z.string(), z.unknown()).nullable(),
            reasons: z.array(
              z.object({
                code: z.string(),
                agreementVersionId: z.string().optional(),
                clauseKey: z.string().optional(),
                consentVersion: z.number().optional(),
                detail: z.string().optional(),
              }),
            ),
            clauseKeys: z.array(z.string()),
            explanation: z.string(),
          }),
        ),
        nextCursor: z.object({ decidedAt: z.date(), id: z.number() }).nullable(),
      }),
    )
    .query(({ ctx, input }) => {
      const { homeId, cursor, limit, ...filter } = input;
      return getHomeLedger(ctx.db, { userId: ctx.user.id, homeId, filter, cursor, limit });
    }),

  /** Stops sharing with a platform at once and records the deletion request it now owes. */
  unlink: roleProcedure("home.unlink")
    .input(z.object({ homeId: z.uuid(), partnerId: z.string().min(1) }))
    .output(z.object({ linkId: z.string(), deletionRequestId: z.string(), deadline: z.date(), clauseKey: z.string().nullable() }))
    .mutation(({ ctx, input }) => unlinkPartner(ctx.db, { ...input, userId: ctx.user.id, now: new Date() })),

  /** Platforms the home can be linked to (again) from here: their app's page where linking starts. */
  linkable: roleProcedure("home.linkable")
    .input(z.object({ homeId: z.uuid() }))
    .output(z.array(z.object({ partnerId: z.string(), partnerName: z.string(), linkUrl: z.string(), linkedBefore: z.boolean() })))
    .query(({ ctx, input }) => listLinkablePlatforms(ctx.db, { userId: ctx.user.id, homeId: input.homeId, now: new Date() })),

  deletionRequests: roleProcedure("home.deletionRequests")
    .input(z.object({ homeId: z.uuid() }))
    .output(
      z.array(
        z.object({
          id: z.string(),
          partnerId: z.string(),
          partnerName: z.string(),
          requestedAt: z.date(),
          deadline: z.date(),
          status: z.enum(DELETION_STATUSES),
          sentAt: z.date().nullable(),
          confirmedAt: z.date().nullable(),
        }),
      ),
    )
    .query(({ ctx, input }) => listDeletionRequests(ctx.db, { userId: ctx.user.id, homeId: input.homeId })),

  setConsent: roleProcedure("home.setConsent")
    .input(
      z.object({
        homeId: z.uuid(),
        partnerId: z.string().min(1),
        category: z.enum(CATEGORY_KEYS as [string, ...string[]]),
        mode: shareMode,
      }),
    )
    .output(z.object({ version: z.number(), mode: shareMode }))
    .mutation(({ ctx, input }) => setHomeConsent(ctx.db, { ...input, userId: ctx.user.id, now: new Date() })),

  overview: roleProcedure("home.overview")
    .output(homeOverview)
    .query(({ ctx }) => getHomeOverviewForUser(ctx.db, ctx.user.id)),
});
