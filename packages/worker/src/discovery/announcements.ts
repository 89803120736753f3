// What each link's partner was last told of its home's devices (`link_discovery`, migration 0018),
// what differs from what may be told now, and queueing the update that tells it.
import { linkDiscovery, type Executor } from "@proviso/db";
import type { AnnouncedVia, DiscoveryDiff } from "@proviso/partners";
import type { LinkInfo } from "@proviso/snapshot";
import { inArray, sql } from "drizzle-orm";
import { randomUUID } from "node:crypto";
import { encodeDiscovery, outboxKind } from "../outbox/codec";
import type { Described } from "./describe";
import { announcementDigest } from "./digest";

/** What differs between what may be told now and what was told (nothing recorded: everything is new). */
export function diffAnnouncement(current: Described[], told: Record<string, string> | undefined): DiscoveryDiff {
  const upserts = current.filter((d) => told?.[d.description.deviceId] !== d.digest).map((d) => d.description);
  const now = new Set(current.map((d) => d.description.deviceId));
  const deletes = Object.keys(told ?? {}).filter((id) => !now.has(id));
  return { upserts, deletes };
}

/** Records what a partner now knows of a link's devices (it asked, or it was told). */
export async function recordAnnouncement(db: Executor, linkId: string, devices: Record<string, string>, via: AnnouncedVia, at: Date) {
  const digest = announcementDigest(devices);
  await db
    .insert(linkDiscovery)
    .values({ linkId, devices, digest, via, announcedAt: at })
    .onConflictDoUpdate({ target: linkDiscovery.linkId, set: { devices, digest, via, announcedAt: at } });
}

export async function readAnnouncements(db: Executor, linkIds: string[]): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  for (let i = 0; i < linkIds.length; i += 1_000) {
    const rows = await db
      .select({ linkId: linkDiscovery.linkId, devices: linkDiscovery.devices })
      .from(linkDiscovery)
      .where(inArray(linkDiscovery.linkId, linkIds.slice(i, i + 1_000)));
    for (const r of rows) out.set(r.linkId, r.devices);
  }
  return out;
}

/** Queues one discovery update per link (none where one is already queued). Returns how many. */
export async function queueDiscoveryUpdates(db: Executor, updates: { link: LinkInfo; diff: DiscoveryDiff }[], at: Date): Promise<number> {
  if (updates.length === 0) return 0;
  const result = await db.execute(sql`
    insert into outbox (message_id, partner_id, link_id, home_id, kind, category_keys, payload, observed_at, created_at, next_attempt_at)
    select mid, partner, link, home, kind, '{}'::text[], payload, ${at}::timestamptz, ${at}::timestamptz, ${at}::timestamptz
      from unnest(${sql.param(updates.map(() => randomUUID()))}::uuid[], ${sql.param(updates.map((u) => u.link.partnerId))}::text[],
                  ${sql.param(updates.map((u) => u.link.linkId))}::uuid[], ${sql.param(updates.map((u) => u.link.homeId))}::uuid[],
                  ${sql.param(updates.map((u) => outboxKind(u.link.adapter, "discovery")))}::text[],
                  ${sql.param(updates.map((u) => encodeDiscovery({ noticed: { upserts: u.diff.upserts.map((d) => d.deviceId), deletes: u.diff.deletes } })))}::json[])
           as t(mid, partner, link, home, kind, payload)
    on conflict (link_id, kind) where status in ('pending', 'retrying') and kind like '%.discovery' do nothing`);
  return (result as unknown as { rowCount: number | null }).rowCount ?? 0;
}
