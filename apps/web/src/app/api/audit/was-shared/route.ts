import { downloadHeaders } from "~/server/download";
import { serverCaller } from "~/server/caller";
import { errorResponse } from "~/server/http-errors";

/** "Was this shared?" with every inclusion proof, as JSON (legal only). Same parameters as the page. */
export async function GET(req: Request) {
  const p = new URL(req.url).searchParams;
  try {
    const answer = await (
      await serverCaller()
    ).legal.wasShared({
      homeId: p.get("homeId") || null,
      deviceId: p.get("deviceId") || null,
      partnerId: p.get("partnerId") ?? "",
      from: new Date(p.get("from") ?? ""),
      to: new Date(p.get("to") ?? ""),
      limit: 2000,
    });
    return new Response(JSON.stringify(answer, null, 2), {
      headers: downloadHeaders("application/json", `proviso-was-shared-${p.get("partnerId")}.json`),
    });
  } catch (err) {
    return errorResponse(err);
  }
}
