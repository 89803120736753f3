import { downloadHeaders } from "~/server/download";
import { serverCaller } from "~/server/caller";
import { errorResponse } from "~/server/http-errors";

/** Every signed checkpoint as JSON, for a partner to keep outside the maker's reach (partner staff only). */
export async function GET() {
  try {
    const held = await (await serverCaller()).partnerPortal.checkpoints();
    return new Response(JSON.stringify(held, null, 2), { headers: downloadHeaders("application/json", "proviso-audit-checkpoints.json") });
  } catch (err) {
    return errorResponse(err);
  }
}
