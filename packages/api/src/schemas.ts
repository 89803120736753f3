// Output shapes shared by several procedures.
import { clauseTermsSchema, VERSION_STATUSES } from "@proviso/domain";
import { z } from "zod";

export const versionStatus = z.enum(VERSION_STATUSES);

export const clauseView = z.object({
  clauseKey: z.string(),
  kind: z.string(),
  title: z.string(),
  legalText: z.string(),
  terms: clauseTermsSchema,
});

export const versionDocument = z.object({
  versionId: z.string(),
  agreementId: z.string(),
  title: z.string(),
  partnerId: z.string(),
  partnerName: z.string(),
  version: z.number(),
  status: versionStatus,
  summary: z.string(),
  basedOnId: z.string().nullable(),
  authorId: z.string().nullable(),
  authorName: z.string().nullable(),
  effectiveFrom: z.date().nullable(),
  expiresAt: z.date().nullable(),
  submittedAt: z.date().nullable(),
  activatedAt: z.date().nullable(),
  endedAt: z.date().nullable(),
  createdAt: z.date(),
  clauses: z.array(clauseView),
  signoffs: z.array(z.object({ decision: z.enum(["approved", "rejected"]), comment: z.string(), at: z.date(), name: z.string() })),
  events: z.array(z.object({ from: versionStatus.nullable(), to: versionStatus, note: z.string(), at: z.date(), actorName: z.string().nullable() })),
});

export const versionSummary = z.object({
  versionId: z.string(),
  version: z.number(),
  status: versionStatus,
  summary: z.string(),
  effectiveFrom: z.date().nullable(),
  authorName: z.string().nullable(),
});

export const versionRef = z.object({ id: z.string(), version: z.number(), status: versionStatus });
