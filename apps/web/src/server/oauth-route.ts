import "server-only";
import type { OAuthAnswer } from "@proviso/core";
import { getDb } from "./db";

type Endpoint = (db: ReturnType<typeof getDb>, form: Record<string, string>, headers: Record<string, string>) => Promise<OAuthAnswer>;

/**
 * A platform calling one of account linking's OAuth endpoints: a form-encoded POST (RFC 6749),
 * answered as JSON with no caching. Anything else is an invalid_request.
 */
export async function oauthRoute(req: Request, endpoint: Endpoint): Promise<Response> {
  const type = req.headers.get("content-type") ?? "";
  if (!type.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    return Response.json({ error: "invalid_request", error_description: "the body must be application/x-www-form-urlencoded" }, { status: 400 });
  }
  const form = Object.fromEntries(new URLSearchParams(await req.text()));
  const authorization = req.headers.get("authorization");
  const answer = await endpoint(getDb(), form, authorization ? { authorization } : {});
  return Response.json(answer.body, { status: answer.status, headers: { ...answer.headers, "cache-control": "no-store" } });
}
