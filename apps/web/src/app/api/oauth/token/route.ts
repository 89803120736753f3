import { tokenEndpoint } from "@proviso/core";
import { oauthRoute } from "~/server/oauth-route";

/** Account linking's token endpoint: a platform exchanges its code (with the PKCE verifier), or refreshes. */
export function POST(req: Request) {
  return oauthRoute(req, tokenEndpoint);
}
