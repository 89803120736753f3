// A home's link to a partner platform, as the worker holds it in memory (the snapshot) and as a
// platform's adapter needs it to speak for that home: one shape for both.
import type { AdapterId } from "./vocabularies";

/** Where the platform gave us its own endpoints for one link (SmartThings' callback URLs). */
export interface CallbackUrls {
  /** Where callback tokens are exchanged and refreshed. */
  oauthToken: string;
  /** Where state (and discovery) callbacks are POSTed. */
  stateCallback: string;
}

export interface LinkInfo {
  linkId: string;
  homeId: string;
  partnerId: string;
  adapter: AdapterId;
  /** The home's account at the platform (Google's agent user id, …). */
  externalAccountId: string;
  /** The platform's region for this account (Alexa's event gateways are regional). */
  region: string;
  /** The platform's token for what we send (Alexa's from AcceptGrant, SmartThings' callback token): opened in memory only, stored encrypted. */
  accessToken: string | null;
  refreshToken: string | null;
  /** When `accessToken` expires (epoch ms), where the platform said: refreshed before then. */
  tokenExpiresAt?: number | null;
  /**
   * The secrets a webhook partner's messages are signed with (its own, current first, those being
   * rotated out after): added by the worker as it sends, never part of the snapshot.
   */
  signingSecrets?: readonly string[];
  /** Where the platform asked to be called back (SmartThings), if it did. */
  callbackUrls: CallbackUrls | null;
}
