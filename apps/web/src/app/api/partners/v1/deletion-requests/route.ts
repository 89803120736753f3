import { AppError, isDeletionStatus, partnerDeletionRequests } from "@proviso/core";
import { partnerApiRoute } from "~/server/partner-api-route";

/** The deletion requests the calling partner owes or answered, newest first; `?status=pending,sent,overdue` narrows them. */
export function GET(req: Request) {
  return partnerApiRoute(req, async (caller, db) => {
    const asked = (new URL(req.url).searchParams.get("status") ?? "").split(",").filter(Boolean);
    const unknown = asked.filter((s) => !isDeletionStatus(s));
    if (unknown.length) throw new AppError("INVALID", `unknown status: ${unknown.join(", ")} (pending, sent, confirmed, overdue)`);
    return { deletionRequests: await partnerDeletionRequests(db, caller, asked.filter(isDeletionStatus)) };
  });
}
