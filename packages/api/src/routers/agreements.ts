import {
  createDraftVersion,
  decideVersionReview,
  draftInputSchema,
  getVersionDocument,
  getVersionReview,
  listAgreements,
  listingsAtRisk,
  saveDraftVersion,
  submitVersionForReview,
  terminateVersion,
} from "@proviso/core";
import { z } from "zod";
import { clauseView, versionDocument, versionRef, versionSummary } from "../schemas";
import { createTRPCRouter, roleProcedure } from "../trpc";

const ref = <T extends { id: string; version: number; status: z.infer<typeof versionRef>["status"] }>(v: T) => ({
  id: v.id,
  version: v.version,
  status: v.status,
});

const termChange = z.object({ path: z.string(), before: z.unknown(), after: z.unknown() });

export const agreementsRouter = createTRPCRouter({
  list: roleProcedure("agreements.list")
    .output(
      z.array(
        z.object({
          agreementId: z.string(),
          title: z.string(),
          partnerId: z.string(),
          partnerName: z.string(),
          versions: z.array(versionSummary),
        }),
      ),
    )
    .query(({ ctx }) => listAgreements(ctx.db)),

  version: roleProcedure("agreements.version")
    .input(z.object({ versionId: z.uuid() }))
    .output(versionDocument)
    .query(({ ctx, input }) => getVersionDocument(ctx.db, input.versionId)),

  createDraft: roleProcedure("agreements.createDraft")
    .input(z.object({ agreementId: z.uuid() }))
    .output(versionRef)
    .mutation(async ({ ctx, input }) => ref(await createDraftVersion(ctx.db, { agreementId: input.agreementId, authorId: ctx.user.id }))),

  saveDraft: roleProcedure("agreements.saveDraft")
    .input(draftInputSchema)
    .output(versionRef)
    .mutation(async ({ ctx, input }) => ref(await saveDraftVersion(ctx.db, input, { userId: ctx.user.id }))),

  submit: roleProcedure("agreements.submit")
    .input(z.object({ versionId: z.uuid() }))
    .output(versionRef)
    .mutation(async ({ ctx, input }) => ref(await submitVersionForReview(ctx.db, { versionId: input.versionId, userId: ctx.user.id }))),

  review: roleProcedure("agreements.review")
    .input(z.object({ versionId: z.uuid() }))
    .output(
      z.object({
        document: versionDocument,
        base: versionRef.omit({ id: true }).extend({ versionId: z.string() }).nullable(),
        redline: z.array(
          z.object({
            clauseKey: z.string(),
            change: z.enum(["added", "removed", "changed", "unchanged"]),
            before: clauseView.nullable(),
            after: clauseView.nullable(),
            termChanges: z.array(termChange),
            titleChanged: z.boolean(),
            textChanged: z.boolean(),
          }),
        ),
        impact: z.object({
          partnerId: z.string(),
          at: z.date(),
          linkedHomes: z.number(),
          devices: z.number(),
          rows: z.array(
            z.object({
              category: z.string(),
              mode: z.enum(["on_request", "proactive"]),
              homesStarting: z.number(),
              homesStopping: z.number(),
              devicesStarting: z.number(),
              devicesStopping: z.number(),
              devicesFlowingBefore: z.number(),
              devicesFlowingAfter: z.number(),
              devicesOpenedByTerms: z.number(),
              devicesClosedByTerms: z.number(),
            }),
          ),
        }),
        listingsAtRisk: z.array(
          z.object({
            id: z.string(),
            sku: z.string(),
            skuName: z.string(),
            channel: z.string(),
            status: z.string(),
            dependsOnClauseKeys: z.array(z.string()),
            removedClauses: z.array(z.string()),
          }),
        ),
        answersDemands: z.array(z.object({ id: z.string(), summary: z.string(), leverageLabel: z.string(), status: z.string(), description: z.string() })),
      }),
    )
    .query(({ ctx, input }) => getVersionReview(ctx.db, input.versionId, new Date())),

  decide: roleProcedure("agreements.decide")
    .input(z.object({ versionId: z.uuid(), decision: z.enum(["approved", "rejected"]), comment: z.string().max(2000) }))
    .output(versionRef)
    .mutation(async ({ ctx, input }) => ref(await decideVersionReview(ctx.db, { ...input, reviewerId: ctx.user.id }))),

  /** The retail listings that terminating this version would put at risk (every dependent one). */
  terminationRisk: roleProcedure("agreements.terminationRisk")
    .input(z.object({ versionId: z.uuid() }))
    .query(async ({ ctx, input }) => {
      const doc = await getVersionDocument(ctx.db, input.versionId);
      return listingsAtRisk(ctx.db, { partnerId: doc.partnerId, versionId: doc.versionId, baseVersionId: null, terminating: true });
    }),

  terminate: roleProcedure("agreements.terminate")
    .input(z.object({ versionId: z.uuid(), reason: z.string().max(2000) }))
    .output(versionRef)
    .mutation(async ({ ctx, input }) => ref(await terminateVersion(ctx.db, { ...input, userId: ctx.user.id }))),
});
