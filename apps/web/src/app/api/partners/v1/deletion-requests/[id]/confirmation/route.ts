import { AppError, confirmDeletionByPartner } from "@proviso/core";
import { partnerApiRoute } from "~/server/partner-api-route";
import { z } from "zod";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const body = z.object({ reference: z.string().trim().min(1, "reference is required: your ticket or job that deleted the data").max(500) }).strict();

/** The calling partner confirms it deleted what it held for the request's account: `{ "reference": "…" }`. */
export async function POST(req: Request, ctx: { params: Promise<{ id: string }> }) {
  const { id } = await ctx.params;
  return partnerApiRoute(req, async (caller, db) => {
    if (!UUID.test(id)) throw new AppError("NOT_FOUND", "No such deletion request");
    let json: unknown;
    try {
      json = await req.json();
    } catch {
      throw new AppError("INVALID", 'the body must be JSON: { "reference": "…" }');
    }
    const parsed = body.safeParse(json);
    if (!parsed.success) throw new AppError("INVALID", parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "));
    const done = await confirmDeletionByPartner(db, caller, id, parsed.data.reference);
    return { id: done.id, status: done.status, confirmedAt: done.confirmedAt.toISOString() };
  });
}
