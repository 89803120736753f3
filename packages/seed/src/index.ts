// Seeds the demo data set: idempotent (stable ids, ON CONFLICT DO NOTHING, a marker row), and
// deterministic for a given `now`. `homes` scales the fleet for benchmarks. This file writes the
// generated fleet; seed-reference.ts writes the fixed reference data around it.
import { appendAudit, canonicalJson, leafHash, merkleRoot } from "@proviso/audit";
import { appMeta, consents, devices, homeMemberships, homes, partnerLinks, users, type Database } from "@proviso/db";
import { eq } from "drizzle-orm";
import { buildHome } from "./fleet";
import { demoPasswordHash } from "./people";
import { insertChunked, seedAgreements, seedCatalogue, seedDemands, seedStaff } from "./seed-reference";

export { DEMO_LOGINS, DEMO_PASSWORD, DEMO_HOMEOWNER_EMAIL, STAFF } from "./people";
export { buildHome } from "./fleet";
export { createRng, stableId, type Rng } from "./random";
export { PARTNERS } from "./catalogue";
export { AGREEMENTS } from "./agreements";

export interface SeedOptions {
  homes?: number;
  now?: Date;
  /** Homes written per transaction. */
  chunkSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SeedResult {
  skipped: boolean;
  homes: number;
  devices: number;
}

const SEED_KEY = "seed.demo";

export async function seed(db: Database, opts: SeedOptions = {}): Promise<SeedResult> {
  const total = opts.homes ?? 50;
  const now = startOfDay(opts.now ?? new Date());
  const [marker] = await db.select().from(appMeta).where(eq(appMeta.key, SEED_KEY));
  const seeded = marker?.value as { homes: number; devices: number } | undefined;
  if (seeded && seeded.homes >= total) return { skipped: true, ...seeded };

  await db.transaction(async (tx) => {
    await seedCatalogue(tx, now);
    await seedStaff(tx);
  });

  const chunkSize = opts.chunkSize ?? 500;
  // Owners of generated homes share one hash of the demo password: hashing is deliberately slow.
  const ownerHash = await demoPasswordHash();
  let deviceCount = 0;
  for (let start = 0; start < total; start += chunkSize) {
    const bundles = Array.from({ length: Math.min(chunkSize, total - start) }, (_, i) => buildHome(start + i, now));
    await db.transaction(async (tx) => {
      await insertChunked(
        tx,
        homes,
        bundles.map((b) => b.home),
      );
      await insertChunked(
        tx,
        users,
        bundles.map((b) => ({ ...b.owner, passwordHash: ownerHash })),
      );
      await insertChunked(
        tx,
        homeMemberships,
        bundles.map((b) => ({ homeId: b.home.id, userId: b.owner.id })),
      );
      await insertChunked(
        tx,
        devices,
        bundles.flatMap((b) => b.devices),
      );
      await insertChunked(
        tx,
        partnerLinks,
        bundles.flatMap((b) => b.links),
      );
      await insertChunked(
        tx,
        consents,
        bundles.flatMap((b) => b.consents),
      );
      // The imported consents and links are on the record: counts and a digest of their content.
      const linkRows = bundles.flatMap((b) => b.links);
      const consentRows = bundles.flatMap((b) => b.consents);
      await appendAudit(tx, {
        action: "seed.fleet_imported",
        entityType: "seed_chunk",
        entityId: `${start}-${start + bundles.length - 1}`,
        details: { homes: bundles.length, devices: bundles.reduce((n, b) => n + b.devices.length, 0), links: linkRows.length, consents: consentRows.length },
        merkleRoot: merkleRoot([...linkRows, ...consentRows].map((r) => leafHash(canonicalJson(r)))),
      });
    });
    deviceCount += bundles.reduce((n, b) => n + b.devices.length, 0);
    opts.onProgress?.(Math.min(start + chunkSize, total), total);
  }

  await db.transaction(async (tx) => {
    await seedAgreements(tx, now);
    await seedDemands(tx, now);
    await appendAudit(tx, { action: "seed.agreements_imported", entityType: "seed", entityId: SEED_KEY, details: { homes: total, at: now.toISOString() } });
    const value = { homes: total, devices: deviceCount, at: new Date().toISOString() };
    await tx
      .insert(appMeta)
      .values({ key: SEED_KEY, value })
      .onConflictDoUpdate({ target: appMeta.key, set: { value, updatedAt: new Date() } });
  });
  return { skipped: false, homes: total, devices: deviceCount };
}

function startOfDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}
