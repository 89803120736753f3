// The engine's view of one home, for the homeowner's pages: its links (with the partners' names),
// its current consents, the approved agreement versions and the categories its devices report.
import { deviceModels, devices, partnerLinks, partners, readAll, type Executor } from "@proviso/db";
import type { LinkStatus, ShareMode } from "@proviso/domain";
import type { PolicySnapshot } from "@proviso/policy";
import { eq, sql } from "drizzle-orm";
import { loadApprovedVersions } from "./load-terms";

export interface HomeSnapshot {
  snapshot: PolicySnapshot;
  links: { linkId: string; partnerId: string; partnerName: string; status: LinkStatus }[];
  /** Every category any of the home's devices reports. */
  deviceCategories: Set<string>;
}

export async function loadHomeSnapshot(db: Executor, homeId: string): Promise<HomeSnapshot> {
  const [links, consentRows, versions, categoryRows] = await readAll(db, [
    () =>
      db
        .select({ linkId: partnerLinks.id, partnerId: partnerLinks.partnerId, partnerName: partners.name, status: partnerLinks.status })
        .from(partnerLinks)
        .innerJoin(partners, eq(partners.id, partnerLinks.partnerId))
        .where(eq(partnerLinks.homeId, homeId)),
    () =>
      db.execute<{ partner_id: string; category_key: string; mode: ShareMode; version: number }>(
        sql`select distinct on (partner_id, category_key) partner_id, category_key, mode, version
              from consents where home_id = ${homeId} order by partner_id, category_key, version desc`,
      ),
    () => loadApprovedVersions(db),
    () =>
      db
        .selectDistinct({ categories: deviceModels.categories })
        .from(devices)
        .innerJoin(deviceModels, eq(deviceModels.id, devices.modelId))
        .where(eq(devices.homeId, homeId)),
  ]);
  const snapshot: PolicySnapshot = {
    versions,
    consents: consentRows.rows.map((c) => ({ homeId, partnerId: c.partner_id, category: c.category_key, mode: c.mode, version: Number(c.version) })),
    links: links.map((l) => ({ homeId, partnerId: l.partnerId, status: l.status })),
    certifications: [],
  };
  return { snapshot, links, deviceCategories: new Set(categoryRows.flatMap((r) => r.categories)) };
}
