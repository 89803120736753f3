// The bearer Proviso presents to a platform for a link: the token the platform granted us
// (Alexa's AcceptGrant, SmartThings' callback access). Where a platform has granted none, a
// placeholder naming the link is sent, which only the sandbox accepts: Google's calls are to
// carry a service-account token instead, and Alexa's events need its grant (not yet built).
// Platforms calling Proviso present tokens from account linking (@proviso/core linking), never this.
const PLACEHOLDER_PREFIX = "sandbox-";

/** The bearer we present to a platform for a link: the token it granted us, else the placeholder. */
export function bearerFor(link: { linkId: string; accessToken: string | null }): string {
  return link.accessToken ?? `${PLACEHOLDER_PREFIX}${link.linkId}`;
}
