// The shapes agreement commands accept: the server's own validation, shared with the tRPC inputs.
import { clauseTermsSchema } from "@proviso/domain";
import { z } from "zod";

export const clauseInputSchema = z.object({
  clauseKey: z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)*$/, "Use a number such as 2.1"),
  title: z.string().trim().min(1, "Give the clause a title").max(200),
  legalText: z.string().trim().min(1, "The clause needs its legal text").max(20_000),
  terms: clauseTermsSchema,
});
export type ClauseInput = z.infer<typeof clauseInputSchema>;

export const draftInputSchema = z
  .object({
    versionId: z.uuid(),
    summary: z.string().trim().max(500),
    effectiveFrom: z.coerce.date({ message: "Choose the date this version takes effect" }),
    expiresAt: z.coerce.date().nullable(),
    clauses: z.array(clauseInputSchema).min(1, "A version needs at least one clause").max(200),
  })
  .superRefine((v, ctx) => {
    const seen = new Map<string, number>();
    v.clauses.forEach((c, i) => {
      if (seen.has(c.clauseKey)) {
        ctx.addIssue({ code: "custom", path: ["clauses", i, "clauseKey"], message: `Clause ${c.clauseKey} appears twice` });
      }
      seen.set(c.clauseKey, i);
    });
    v.clauses.forEach((c, i) => {
      if (c.terms.kind !== "retail_listing_dependency") return;
      c.terms.dependsOnClauseKeys.forEach((key, k) => {
        if (!seen.has(key)) {
          ctx.addIssue({
            code: "custom",
            path: ["clauses", i, "terms", "dependsOnClauseKeys", k],
            message: `There is no clause ${key} in this version`,
          });
        }
      });
    });
    if (v.expiresAt && v.expiresAt <= v.effectiveFrom) {
      ctx.addIssue({ code: "custom", path: ["expiresAt"], message: "The expiry must come after the effective date" });
    }
  });
export type DraftInput = z.infer<typeof draftInputSchema>;

/** Zod issues as field errors keyed by dotted path (`clauses.2.terms.modes`). */
export function fieldErrorsOf(error: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.join(".") || "_";
    (out[key] ??= []).push(issue.message);
  }
  return out;
}
