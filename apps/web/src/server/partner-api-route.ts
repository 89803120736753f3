import "server-only";
import { AppError, partnerCaller, type PartnerCaller } from "@proviso/core";
import { getDb } from "./db";

/** An answer in the partner API's one error shape: RFC 9457 problem details. */
export function problem(status: number, title: string, detail: string, headers: Record<string, string> = {}): Response {
  return Response.json(
    { type: "about:blank", title, status, detail },
    { status, headers: { "content-type": "application/problem+json", "cache-control": "no-store", ...headers } },
  );
}

const STATUS_OF: Record<string, [number, string]> = { NOT_FOUND: [404, "Not Found"], CONFLICT: [409, "Conflict"], INVALID: [400, "Bad Request"] };

/**
 * A partner's systems calling the partner API (`/api/partners/v1`): authenticated as the partner's
 * OAuth client (HTTP Basic), answered as JSON; refusals as problem details, internal errors never shown.
 */
export async function partnerApiRoute(req: Request, handle: (caller: PartnerCaller, db: ReturnType<typeof getDb>) => Promise<unknown>): Promise<Response> {
  const db = getDb();
  const caller = await partnerCaller(db, req.headers.get("authorization"));
  if (!caller)
    return problem(401, "Unauthorized", "authenticate as your OAuth client: HTTP Basic with client_id and client_secret", {
      "www-authenticate": 'Basic realm="proviso-partners"',
    });
  try {
    return Response.json(await handle(caller, db), { headers: { "cache-control": "no-store" } });
  } catch (err) {
    const known = err instanceof AppError ? STATUS_OF[err.code] : undefined;
    if (known) return problem(known[0], known[1], err instanceof Error ? err.message : "");
    console.error(`partner API ${req.method} ${new URL(req.url).pathname}: ${(err as Error).message}`);
    return problem(500, "Internal Server Error", "the request could not be completed; try again later");
  }
}
