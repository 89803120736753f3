import { revocationEndpoint } from "@proviso/core";
import { oauthRoute } from "~/server/oauth-route";

/** Token revocation (RFC 7009): a platform ends what it holds for a link. */
export function POST(req: Request) {
  return oauthRoute(req, revocationEndpoint);
}
