// How Proviso authenticates itself toward a platform as it calls it. Where the platform wants
// Proviso's own bearer rather than a link's (Google: a service account's OAuth token), the link is
// called with that bearer in its `accessToken`; where messages are signed with the partner's own
// secrets (webhooks), the secrets in force go on the link (`signingSecrets`). What the adapters send.
import { activeSigningSecrets, type TokenCipher } from "@proviso/core";
import type { Executor } from "@proviso/db";
import type { LinkInfo } from "@proviso/domain";
import type { PartnerAdapter } from "@proviso/partners";

/** A partner's signing secrets in force, opened; read once per partner per round (`secretsReader`). */
export type SecretsOf = (partnerId: string) => Promise<readonly string[]>;

/** Reads each partner's signing secrets once for as long as the reader is kept (a delivery round, a notice pass). */
export function secretsReader(db: Executor, cipher: TokenCipher | null | undefined, now: Date): SecretsOf {
  const read = new Map<string, Promise<readonly string[]>>();
  return (partnerId) => {
    if (!cipher) return Promise.reject(new Error("TOKEN_ENCRYPTION_KEY is not set: the partner's signing secrets cannot be opened"));
    let secrets = read.get(partnerId);
    if (!secrets) read.set(partnerId, (secrets = activeSigningSecrets(db, cipher, partnerId, now)));
    return secrets;
  };
}

export async function asCalled(adapter: PartnerAdapter, link: LinkInfo, secretsOf: SecretsOf): Promise<LinkInfo> {
  let called = link;
  if (adapter.serviceCredential) called = { ...called, accessToken: await adapter.serviceCredential() };
  // None in force: the adapter refuses to build an unsigned message and says which command makes one.
  if (adapter.signedWithPartnerSecrets) called = { ...called, signingSecrets: await secretsOf(link.partnerId) };
  return called;
}
