import {
  getDecisionReport,
  latestVerification,
  listAuditEntries,
  listCheckpoints,
  listReviewQueue,
  parsePeriod,
  requestVerification,
  signCheckpointNow,
  listIntegrityAlerts,
  wasShared,
} from "@proviso/core";
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

  /** The period report: from the running totals, never a scan of the ledger. */
  report: roleProcedure("legal.report")
    .input(z.object({ from: z.string().nullish(), to: z.string().nullish() }))
    .query(({ ctx, input }) => getDecisionReport(ctx.db, parsePeriod(input))),

  auditEntries: roleProcedure("legal.auditEntries")
    .input(z.object({ beforeSeq: z.number().int().positive().nullish(), limit: z.number().int().min(1).max(200).default(50) }))
    .query(({ ctx, input }) => listAuditEntries(ctx.db, input)),

  /** Asks the worker to verify the whole chain, or a range of entries (it names the first that fails). */
  verifyAudit: roleProcedure("legal.verifyAudit")
    .input(z.object({ from: z.number().int().positive().nullish(), to: z.number().int().positive().nullish() }))
    .mutation(({ ctx, input }) => requestVerification(ctx.db, { ...input, userId: ctx.user.id })),

  /** The latest verification: its progress, or its report. */
  verification: roleProcedure("legal.verification").query(({ ctx }) => latestVerification(ctx.db)),

  checkpoints: roleProcedure("legal.checkpoints").query(async ({ ctx }) => ({
    keyId: ctx.signer?.keyId ?? null,
    publicKey: ctx.signer?.publicKey ?? null,
    checkpoints: await listCheckpoints(ctx.db, 20),
    /** Checkpoints refused, verifications failed: the evidence does not hold until someone looks. */
    integrityAlerts: await listIntegrityAlerts(ctx.db),
  })),

  signCheckpoint: roleProcedure("legal.signCheckpoint").mutation(({ ctx }) =>
    signCheckpointNow(ctx.db, ctx.signer, ctx.trusted, ctx.authorities, ctx.witnesses),
  ),

  wasShared: roleProcedure("legal.wasShared")
    .input(
      z.object({
        homeId: z.uuid().nullish(),
        deviceId: z.uuid().nullish(),
        partnerId: z.string().min(1),
        from: z.coerce.date(),
        to: z.coerce.date(),
        limit: z.number().int().min(1).max(2000).default(500),
      }),
    )
    .query(({ ctx, input }) => wasShared(ctx.db, input)),
});
