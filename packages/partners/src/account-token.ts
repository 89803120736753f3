// The token a platform presents when it calls us for a link, and the bearer we present to it where
// it has granted us none of its own. Until account linking issues real tokens, it is the link's id
// behind a prefix: an identifier, not a secret.
const ACCOUNT_TOKEN_PREFIX = "sandbox-";

export function accountTokenFor(linkId: string): string {
  return `${ACCOUNT_TOKEN_PREFIX}${linkId}`;
}

/** The link id an account token was issued for (null for a token not of that form). */
export function linkIdOfAccountToken(token: string): string | null {
  return token.startsWith(ACCOUNT_TOKEN_PREFIX) ? token.slice(ACCOUNT_TOKEN_PREFIX.length) : null;
}

/** The bearer we present to a platform for a link: the token it granted us, else the account's. */
export function bearerFor(link: { linkId: string; accessToken: string | null }): string {
  return link.accessToken ?? accountTokenFor(link.linkId);
}
