export { approveLinking, linkingOffer, type LinkingChoice, type LinkingOffer } from "./approve";
export { DEFAULT_CLIENT_SECRET_OVERLAP_HOURS, registerOAuthClient, setPartnerLinkUrl, type RegisteredClient } from "./clients";
export { checkAuthorizeRequest, deniedRedirect, findClient, revocationEndpoint, tokenEndpoint, type AuthorizeRequest, type OAuthAnswer } from "./oauth";
export { newSecret, secretHash } from "./secrets";
export { issueLinkTokens, linkOfAccessToken, revokeLinkTokens, TOKEN_LIFETIME_SECONDS, type TokenHolder } from "./tokens";
