import { downloadHeaders } from "~/server/download";
import { serverCaller } from "~/server/caller";
import { errorResponse } from "~/server/http-errors";

/** One signed checkpoint as JSON, to hand to a third party (legal only). */
export async function GET(_req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  try {
    const { checkpoints } = await (await serverCaller()).legal.checkpoints();
    const cp = checkpoints.find((c) => String(c.id) === id);
    if (!cp) return new Response("Not found.", { status: 404 });
    return new Response(JSON.stringify(cp, null, 2), {
      headers: downloadHeaders("application/json", `proviso-audit-checkpoint-${cp.id}.json`),
    });
  } catch (err) {
    return errorResponse(err);
  }
}
