// The change log (migrations 0020, 0023, 0024): every statement that changes what the engine
// decides by appends a row to `policy_changes` and moves the policy counter. A snapshot is brought
// up to date by applying the rows since it (each checked with a schema, not cast), reading again
// only the links, devices, terms or models they name.
import { policyChanges, readAll, type Database } from "@proviso/db";
import { SHARE_MODES } from "@proviso/domain";
import { withChanges, type ConsentChange } from "@proviso/policy";
import { asc, gt } from "drizzle-orm";
import { z } from "zod";
import { LayeredMap } from "./layered-map";
import { activeLinks, readDevices, readLinks, readModels, type ModelInfo } from "./load-world";
import { loadPolicyTerms, termsKey } from "./load-terms";
import type { DeviceInfo, TokenOpener, World } from "./world";

/** One row of the log as a trigger writes it (migrations 0023, 0024). */
export const changeLogRow = z.discriminatedUnion("kind", [
  z.object({
    version: z.number().int(),
    kind: z.literal("consents"),
    consents: z.array(z.object({ homeId: z.string(), partnerId: z.string(), category: z.string(), mode: z.enum(SHARE_MODES), version: z.number().int() })),
  }),
  z.object({ version: z.number().int(), kind: z.enum(["links", "devices"]), homes: z.array(z.string()) }),
  z.object({ version: z.number().int(), kind: z.enum(["terms", "models"]) }),
]);
export type ChangeLogRow = z.infer<typeof changeLogRow>;

/** Changes logged at a time (migrations 0020, 0023, 0024), so a catching-up worker reads a bounded page. */
const CHANGES_PAGE = 1_000;

/**
 * Past this many homes' links and devices to read again (a fleet imported, say), loading whole is
 * the cheaper way, and the maps are built afresh instead of layered.
 */
export const MAX_HOMES_APPLIED = 10_000;

/**
 * `world` brought up to date by applying the changes logged since it (a new World: the old one is
 * left as it was): consents as logged, and the links, devices, terms and models they name read
 * again. Null when the log has a gap (something moved the counter with no log row: only a database
 * older than migration 0024 does that), a kind this code does not know, or more than `maxHomes`
 * homes to read again: then load whole.
 */
export async function applyChanges(db: Database, world: World, cipher?: TokenOpener | null, maxHomes = MAX_HOMES_APPLIED): Promise<World | null> {
  const rows = await db
    .select({ version: policyChanges.version, kind: policyChanges.kind, consents: policyChanges.consents, homes: policyChanges.homes })
    .from(policyChanges)
    .where(gt(policyChanges.version, world.policyVersion))
    .orderBy(asc(policyChanges.version))
    .limit(CHANGES_PAGE);
  if (rows.length === 0) return null;
  const consents: ConsentChange[] = [];
  const linkHomes = new Set<string>();
  const deviceHomes = new Set<string>();
  let terms = false;
  let models = false;
  for (let i = 0; i < rows.length; i++) {
    // A row this code cannot read (a kind it does not know, a shape it does not expect) is one
    // the log cannot say: load whole.
    const parsed = changeLogRow.safeParse(rows[i]);
    if (!parsed.success) return null;
    const row = parsed.data;
    if (row.version !== world.policyVersion + 1 + i) return null;
    if (row.kind === "consents") consents.push(...row.consents);
    else if (row.kind === "links") for (const h of row.homes) linkHomes.add(h);
    else if (row.kind === "devices") for (const h of row.homes) deviceHomes.add(h);
    else if (row.kind === "terms") terms = true;
    // Certifications are read by model key: a model's change is a change to the terms too.
    else models = terms = true;
  }
  if (linkHomes.size + deviceHomes.size > maxHomes) return null;
  // Read after the log: they are at least as new as every change in it (a later change read early
  // is read again when its own log row comes).
  const [newTerms, linkRows, deviceRows, modelRows] = await readAll(db, [
    () => (terms ? loadPolicyTerms(db) : Promise.resolve(undefined)),
    () => (linkHomes.size ? readLinks(db, [...linkHomes]) : Promise.resolve([])),
    () => (deviceHomes.size ? readDevices(db, [...deviceHomes]) : Promise.resolve([])),
    () => (models ? readModels(db) : Promise.resolve(null)),
  ]);
  // Terms read again that came back as they were (a draft edited, say: only approved versions
  // count) change nothing, and send no partner a discovery check.
  const newTermsKey = newTerms ? termsKey(newTerms) : world.termsKey;
  const termsMoved = models || newTermsKey !== world.termsKey;
  const policy =
    termsMoved || linkHomes.size || consents.length
      ? withChanges(world.policy, {
          terms: termsMoved ? newTerms : undefined,
          links: linkHomes.size ? { homes: [...linkHomes], links: linkRows } : undefined,
          consents,
        })
      : world.policy;
  if (!policy) return null;

  // The maps are layered over the old ones (layered-map.ts): copying them would cost tens of
  // milliseconds of the deciding thread per change at 100,000 homes.
  let { linksByHome, linkById, devices: deviceMap, devicesByHome } = world;
  if (linkHomes.size) [linksByHome, linkById] = withHomes(linksByHome, linkById, linkHomes, activeLinks(linkRows, cipher), (l) => l.linkId);
  if (deviceHomes.size) [devicesByHome, deviceMap] = withHomes(devicesByHome, deviceMap, deviceHomes, deviceRows, (d) => d.deviceId);
  if (modelRows) ({ devices: deviceMap, devicesByHome } = withModels(deviceMap, devicesByHome, modelRows));
  // Terms and models reach every home; otherwise only the homes named changed.
  const changedHomes = termsMoved ? undefined : [...new Set([...consents.map((c) => c.homeId), ...linkHomes, ...deviceHomes])];
  return {
    policyVersion: rows.at(-1)!.version,
    policy,
    devices: deviceMap,
    devicesByHome,
    linksByHome,
    linkById,
    loadedAt: Date.now(),
    origin: "changes applied",
    changedHomes,
    termsKey: newTermsKey,
  };
}

/**
 * A by-home map and its by-id twin with every entry of `homes` replaced by `rows` (those homes'
 * entries as they now are: a home with none has none), layered over the maps given.
 */
function withHomes<T extends { homeId: string }>(
  byHome: ReadonlyMap<string, readonly T[]>,
  byId: ReadonlyMap<string, T>,
  homes: ReadonlySet<string>,
  rows: readonly T[],
  idOf: (item: T) => string,
): [ReadonlyMap<string, readonly T[]>, ReadonlyMap<string, T>] {
  const lists = new Map<string, T[] | undefined>([...homes].map((h) => [h, undefined]));
  const ids = new Map<string, T | undefined>();
  for (const home of homes) for (const item of byHome.get(home) ?? []) ids.set(idOf(item), undefined);
  for (const item of rows) {
    ids.set(idOf(item), item);
    const list = lists.get(item.homeId);
    if (list) list.push(item);
    else lists.set(item.homeId, [item]);
  }
  return [LayeredMap.with(byHome, lists), LayeredMap.with(byId, ids)];
}

/**
 * The device maps with every device of a changed model (another key, kind, categories or name)
 * given what its model now says: one pass over the devices held (≈ 300,000 at 100,000 homes), the
 * changed ones layered over the maps.
 */
function withModels(
  deviceMap: World["devices"],
  devicesByHome: World["devicesByHome"],
  models: Map<string, ModelInfo>,
): Pick<World, "devices" | "devicesByHome"> {
  const changed = new Map<string, DeviceInfo>();
  for (const d of deviceMap.values()) {
    const m = models.get(d.modelId);
    if (!m) continue;
    const same =
      m.modelKey === d.modelKey &&
      m.kind === d.kind &&
      m.modelName === d.modelName &&
      m.categories.length === d.categories.length &&
      m.categories.every((c, i) => c === d.categories[i]);
    if (!same) changed.set(d.deviceId, { ...d, ...m });
  }
  if (changed.size === 0) return { devices: deviceMap, devicesByHome };
  const homes = new Map<string, DeviceInfo[]>();
  for (const d of changed.values())
    if (!homes.has(d.homeId))
      homes.set(
        d.homeId,
        (devicesByHome.get(d.homeId) ?? []).map((x) => changed.get(x.deviceId) ?? x),
      );
  return { devices: LayeredMap.with(deviceMap, changed), devicesByHome: LayeredMap.with(devicesByHome, homes) };
}
