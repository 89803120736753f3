import { deviceModels, devices, deviceShadow, homeMemberships, homes, partnerLinks, partners, type Executor } from "@proviso/db";
import { and, asc, eq, inArray, sql } from "drizzle-orm";

/** The homes a user belongs to, with devices and partner links. Scoped by membership in the query. */
export async function getHomeOverviewForUser(db: Executor, userId: string) {
  const myHomes = await db
    .select({ id: homes.id, name: homes.name, region: homes.region, timezone: homes.timezone })
    .from(homes)
    .innerJoin(homeMemberships, and(eq(homeMemberships.homeId, homes.id), eq(homeMemberships.userId, userId)))
    .orderBy(asc(homes.name));
  if (myHomes.length === 0) return [];
  const ids = myHomes.map((h) => h.id);
  const [deviceRows, linkRows] = await Promise.all([
    db
      .select({
        id: devices.id,
        homeId: devices.homeId,
        name: devices.name,
        room: devices.room,
        serial: devices.serial,
        model: deviceModels.name,
        kind: deviceModels.kind,
        // Heard from: a heartbeat (devices.last_seen_at) or a state report (the shadow's last_report_at).
        lastSeenAt: sql<Date | null>`greatest(${devices.lastSeenAt}, ${deviceShadow.lastReportAt})`.mapWith(devices.lastSeenAt),
        reachable: deviceShadow.reachable,
        shadow: deviceShadow.properties,
      })
      .from(devices)
      .innerJoin(deviceModels, eq(deviceModels.id, devices.modelId))
      .leftJoin(deviceShadow, eq(deviceShadow.deviceId, devices.id))
      .where(inArray(devices.homeId, ids))
      .orderBy(asc(devices.room), asc(devices.name)),
    db
      .select({
        id: partnerLinks.id,
        homeId: partnerLinks.homeId,
        partnerId: partnerLinks.partnerId,
        partnerName: partners.name,
        status: partnerLinks.status,
        linkedAt: partnerLinks.linkedAt,
      })
      .from(partnerLinks)
      .innerJoin(partners, eq(partners.id, partnerLinks.partnerId))
      .where(inArray(partnerLinks.homeId, ids))
      .orderBy(asc(partners.name)),
  ]);
  return myHomes.map((h) => ({
    ...h,
    devices: deviceRows
      .filter((d) => d.homeId === h.id)
      .map(({ shadow, reachable, ...d }) => ({
        ...d,
        reachable: reachable ?? true,
        // The live state: each property's last value and when it was observed.
        state: Object.fromEntries(
          Object.entries(shadow ?? {})
            .filter(([name]) => name !== "connectivity")
            .map(([name, p]) => [name, { value: p.value, observedAt: p.observedAt }]),
        ),
      })),
    links: linkRows.filter((l) => l.homeId === h.id),
  }));
}
