// What the demo's platforms do once the product is up, as their users would in the platforms'
// apps: a platform installed per home (SmartThings' connector: a discovery, then callback access
// granted) is installed for each home linked to it, so proactive state has somewhere to go. The
// sandbox plays the platform's side at `POST /__sandbox/<adapter>/install`.
import { createDb, partnerLinks, partners } from "@proviso/db";
import { accountTokenFor, PLATFORMS } from "@proviso/partners";
import { and, eq, inArray, isNull } from "drizzle-orm";

export async function installDemoConnectors(databaseUrl: string, sandboxUrl: string, sandboxToken: string): Promise<number> {
  const installed = Object.values(PLATFORMS)
    .filter((p) => p.installedPerHome)
    .map((p) => p.id);
  if (installed.length === 0) return 0;
  const handle = createDb(databaseUrl, { max: 1, applicationName: "proviso-launcher" });
  try {
    const links = await handle.db
      .select({ id: partnerLinks.id, adapter: partners.adapter })
      .from(partnerLinks)
      .innerJoin(partners, eq(partners.id, partnerLinks.partnerId))
      .where(and(inArray(partners.adapter, installed), eq(partnerLinks.status, "active"), isNull(partnerLinks.callbackUrls)));
    for (const link of links) {
      const res = await fetch(`${sandboxUrl}/__sandbox/${link.adapter}/install`, {
        method: "POST",
        headers: { authorization: `Bearer ${sandboxToken}` },
        body: JSON.stringify({ token: accountTokenFor(link.id) }),
        signal: AbortSignal.timeout(15_000),
      });
      if (!res.ok) throw new Error(`the sandbox could not install ${link.adapter} for link ${link.id}: ${res.status}`);
    }
    return links.length;
  } finally {
    await handle.close();
  }
}
