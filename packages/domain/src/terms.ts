// Machine-readable clause terms, one schema per clause kind. The server validates with these;
// the enforcement engine (packages/policy) reads them.
import { z } from "zod";
import type { ClauseKind } from "./vocabularies";
import { CATEGORY_KEYS, PURPOSE_KEYS } from "./taxonomy";

export const SHARE_MODES = ["off", "on_request", "proactive"] as const;
export type ShareMode = (typeof SHARE_MODES)[number];
/** The modes data can leave in (a clause never "allows off"). */
export const DELIVERY_MODES = ["on_request", "proactive"] as const;
export type DeliveryMode = (typeof DELIVERY_MODES)[number];

const categoryKey = z.enum(CATEGORY_KEYS as [string, ...string[]], { message: "Unknown data category" });
const purposeKey = z.enum(PURPOSE_KEYS as [string, ...string[]], { message: "Unknown purpose" });

export const minimisationSchema = z
  .object({
    /** Round numeric values to a multiple of this (e.g. 1 for whole °C). */
    roundTo: z.number().positive().max(100).optional(),
    /** At most one report per device and category per this many seconds. */
    minIntervalSeconds: z.number().int().min(1).max(86_400).optional(),
    /** Properties of the category that must never be sent. */
    dropProperties: z.array(z.string().min(1)).optional(),
  })
  .strict();
export type Minimisation = z.infer<typeof minimisationSchema>;

export const dataShareTerms = z
  .object({
    kind: z.literal("data_share"),
    category: categoryKey,
    modes: z.array(z.enum(DELIVERY_MODES)).min(1, "Allow at least one mode"),
    purposes: z.array(purposeKey).min(1, "Name at least one purpose"),
    retentionDays: z.number().int().min(0).max(3650).nullable(),
    minimisation: minimisationSchema.default({}),
    /** The homeowner must opt in (consent ≠ off) before anything is shared. Always true in practice. */
    optInRequired: z.boolean().default(true),
    /** Sharing holds only while the device model holds this programme's certification. */
    requiresCertification: z.string().min(1).optional(),
  })
  .strict();

export const certificationRequirementTerms = z
  .object({
    kind: z.literal("certification_requirement"),
    programme: z.string().min(1),
    models: z.array(z.string().min(1)).min(1),
    demands: z.object({ categories: z.array(categoryKey).min(1), mode: z.enum(DELIVERY_MODES) }),
    /** What happens to a model whose certification lapses. */
    consequence: z.enum(["withdraw_from_discovery", "suspend_sharing", "none"]),
  })
  .strict();

export const retailListingDependencyTerms = z
  .object({
    kind: z.literal("retail_listing_dependency"),
    channel: z.string().min(1),
    skus: z.array(z.string().min(1)).min(1),
    dependsOnClauseKeys: z.array(z.string().min(1)).min(1),
    consequence: z.string().min(1),
  })
  .strict();

export const rateLimitTerms = z
  .object({
    kind: z.literal("rate_limit"),
    maxPerMinute: z.number().int().min(1).max(1_000_000),
    scope: z.enum(["integration", "home"]),
  })
  .strict();

export const deletionOnUnlinkTerms = z.object({ kind: z.literal("deletion_on_unlink"), deadlineDays: z.number().int().min(0).max(365) }).strict();

export const breachNotificationTerms = z.object({ kind: z.literal("breach_notification"), notifyWithinHours: z.number().int().min(1).max(720) }).strict();

export const terminationTerms = z.object({ kind: z.literal("termination"), noticeDays: z.number().int().min(0).max(3650) }).strict();

export const clauseTermsSchema = z.discriminatedUnion("kind", [
  dataShareTerms,
  certificationRequirementTerms,
  retailListingDependencyTerms,
  rateLimitTerms,
  deletionOnUnlinkTerms,
  breachNotificationTerms,
  terminationTerms,
]);
export type ClauseTerms = z.infer<typeof clauseTermsSchema>;
/** The clause kinds the terms schema knows are exactly CLAUSE_KINDS (vocabularies.ts): a kind added to one fails here until added to the other. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _kindsAgree: Same<ClauseTerms["kind"], ClauseKind> = true;
void _kindsAgree;
export type DataShareTerms = z.infer<typeof dataShareTerms>;
