// Where a platform authenticates Proviso itself rather than a link (Google: a service account's
// OAuth token), the link is called with that bearer in its `accessToken` (what the adapters send).
import type { LinkInfo } from "@proviso/domain";
import type { PartnerAdapter } from "@proviso/partners";

export async function asCalled(adapter: PartnerAdapter, link: LinkInfo): Promise<LinkInfo> {
  return adapter.serviceCredential ? { ...link, accessToken: await adapter.serviceCredential() } : link;
}
