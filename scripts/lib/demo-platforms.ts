// What the demo's platforms do once the product is up, as their users would in the platforms'
// apps: SmartThings installs its connector for each home linked to it (a discovery, then callback
// access granted), so proactive state has somewhere to go. The sandbox plays SmartThings' side.
import { createDb, partnerLinks, partners } from "@proviso/db";
import { accountTokenFor } from "@proviso/partners";
import { and, eq, isNull } from "drizzle-orm";

export async function installDemoConnectors(databaseUrl: string, sandboxUrl: string): Promise<number> {
  const handle = createDb(databaseUrl, { max: 1, applicationName: "proviso-launcher" });
  try {
    const links = await handle.db
      .select({ id: partnerLinks.id })
      .from(partnerLinks)
      .innerJoin(partners, eq(partners.id, partnerLinks.partnerId))
      .where(and(eq(partners.adapter, "smartthings"), eq(partnerLinks.status, "active"), isNull(partnerLinks.callbackUrls)));
    for (const link of links) {
      const res = await fetch(`${sandboxUrl}/__sandbox/smartthings/install`, {
        method: "POST",
        body: JSON.stringify({ token: accountTokenFor(link.id) }),
        signal: AbortSignal.timeout(15_000),
      });
      if (!res.ok) throw new Error(`the sandbox could not install SmartThings for link ${link.id}: ${res.status}`);
    }
    return links.length;
  } finally {
    await handle.close();
  }
}
