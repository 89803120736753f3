// Changing a compiled policy without compiling it afresh. `withChanges` makes a new policy from an
// old one and what changed since (the worker's snapshot kept current at any fleet size).
// `patchConsent` and `patchLink` move one through time in place, for exact replays of recorded
// history: the consent and link a decision saw at that moment (indexes must exist: compile the
// snapshot with every home, partner and category the history mentions; only for a policy no one
// else uses).
import { compileTerms, consentReasonsUpTo, CONSENT, LINK, type CompiledPolicy, type SnapshotTerms } from "./compile";
import type { SnapshotLink } from "./types";

export function patchConsent(policy: CompiledPolicy, c: { homeId: string; partnerId: string; category: string; mode: keyof typeof CONSENT; version: number }): boolean {
  const home = policy.homeIndex.get(c.homeId);
  const partner = policy.partners.get(c.partnerId);
  const category = policy.categoryIndex.get(c.category);
  if (home === undefined || partner === undefined || category === undefined) return false;
  const i = (home * policy.partnerCount + partner.index) * policy.categoryCount + category;
  policy.consentMode[i] = CONSENT[c.mode];
  policy.consentVersion[i] = c.version;
  return true;
}

export function patchLink(policy: CompiledPolicy, l: { homeId: string; partnerId: string; status: keyof typeof LINK }): boolean {
  const home = policy.homeIndex.get(l.homeId);
  const partner = policy.partners.get(l.partnerId);
  if (home === undefined || partner === undefined) return false;
  policy.linkStatus[home * policy.partnerCount + partner.index] = LINK[l.status];
  policy.lastHome = { id: "", index: undefined };
  return true;
}

export interface ConsentChange {
  homeId: string;
  partnerId: string;
  category: string;
  mode: "off" | "on_request" | "proactive";
  version: number;
}

/** What changed since a policy was compiled, as the worker learns it (packages/pipeline world.ts). */
export interface PolicyChanges {
  /** The agreements and certifications as they now are (all of them: they compile afresh). */
  terms?: SnapshotTerms;
  /** Every link of these homes as it now is; a home named here with no link in `links` has none. */
  links?: { homes: readonly string[]; links: readonly SnapshotLink[] };
  /** Consents written since (for each home, partner and category the newest version wins). */
  consents?: readonly ConsentChange[];
}

/**
 * A new compiled policy deciding as `compileSnapshot` would on the snapshot with these changes made,
 * the original left as it was, so decisions under way on it are undisturbed. Copies what changes
 * and what must grow: the consent arrays for consents, the link array for links, all three laid out
 * afresh when a partner or category is new, lengthened when a home is (homes, partners and
 * categories keep their indexes). Null only for a consent no compile would accept (an unknown mode,
 * a version below 1).
 */
export function withChanges(policy: CompiledPolicy, changes: PolicyChanges): CompiledPolicy | null {
  const consents = changes.consents ?? [];
  for (const c of consents) {
    if (!Number.isInteger(c.version) || c.version < 1 || CONSENT[c.mode] === undefined) return null;
  }
  const links = changes.links;

  let partners = policy.partners;
  let categoryIndex = policy.categoryIndex;
  let terms: Pick<CompiledPolicy, "certifications" | "modelIndex" | "programmeIndex" | "certificationAt"> = policy;
  if (changes.terms) {
    const t = compileTerms(changes.terms, { partners: policy.partners.keys(), categories: policy.categoryIndex.keys() });
    partners = t.partners;
    categoryIndex = t.categoryIndex;
    terms = t;
  }
  // Homes, partners and categories met for the first time take the next indexes (maps copied once).
  let homeIndex = policy.homeIndex;
  const partnerOf = (id: string) => {
    let p = partners.get(id);
    if (p === undefined) {
      if (partners === policy.partners) partners = new Map(partners);
      partners.set(id, (p = { index: partners.size, versions: [], suspensions: [] }));
    }
    return p.index;
  };
  const categoryOf = (key: string) => {
    let c = categoryIndex.get(key);
    if (c === undefined) {
      if (categoryIndex === policy.categoryIndex) categoryIndex = new Map(categoryIndex);
      categoryIndex.set(key, (c = categoryIndex.size));
    }
    return c;
  };
  const homeOf = (id: string) => {
    let h = homeIndex.get(id);
    if (h === undefined) {
      if (homeIndex === policy.homeIndex) homeIndex = new Map(homeIndex);
      homeIndex.set(id, (h = homeIndex.size));
    }
    return h;
  };
  for (const home of links?.homes ?? []) homeOf(home);
  for (const l of links?.links ?? []) {
    homeOf(l.homeId);
    partnerOf(l.partnerId);
  }
  for (const c of consents) {
    homeOf(c.homeId);
    partnerOf(c.partnerId);
    categoryOf(c.category);
  }

  const partnerCount = partners.size;
  const categoryCount = Math.max(1, categoryIndex.size);
  const homeCount = homeIndex.size;
  let { consentMode, consentVersion, linkStatus } = policy;
  if (partnerCount !== policy.partnerCount || categoryCount !== policy.categoryCount) {
    // Laid out afresh: every value moves to its home, partner and category's new place.
    const oldHomes = policy.homeIndex.size;
    linkStatus = new Uint8Array(homeCount * partnerCount);
    consentMode = new Uint8Array(homeCount * partnerCount * categoryCount);
    consentVersion = new Int32Array(homeCount * partnerCount * categoryCount);
    for (let h = 0; h < oldHomes; h++) {
      for (let p = 0; p < policy.partnerCount; p++) {
        const from = h * policy.partnerCount + p;
        const to = h * partnerCount + p;
        linkStatus[to] = policy.linkStatus[from]!;
        consentMode.set(policy.consentMode.subarray(from * policy.categoryCount, (from + 1) * policy.categoryCount), to * categoryCount);
        consentVersion.set(policy.consentVersion.subarray(from * policy.categoryCount, (from + 1) * policy.categoryCount), to * categoryCount);
      }
    }
  } else {
    const grow = <A extends Uint8Array | Int32Array>(a: A, length: number): A => {
      const out = new (a.constructor as new (n: number) => A)(length);
      out.set(a);
      return out;
    };
    if (homeCount !== policy.homeIndex.size || links) linkStatus = grow(linkStatus, homeCount * partnerCount);
    if (homeCount !== policy.homeIndex.size || consents.length > 0) {
      consentMode = grow(consentMode, homeCount * partnerCount * categoryCount);
      consentVersion = grow(consentVersion, homeCount * partnerCount * categoryCount);
    }
  }

  if (links) {
    for (const home of links.homes) linkStatus.fill(LINK.none, homeOf(home) * partnerCount, (homeOf(home) + 1) * partnerCount);
    for (const l of links.links) linkStatus[homeOf(l.homeId) * partnerCount + partnerOf(l.partnerId)] = LINK[l.status];
  }
  let maxVersion = 0;
  for (const c of consents) {
    const i = (homeOf(c.homeId) * partnerCount + partnerOf(c.partnerId)) * categoryCount + categoryOf(c.category);
    if (c.version > maxVersion) maxVersion = c.version;
    if (c.version >= consentVersion[i]!) {
      consentMode[i] = CONSENT[c.mode];
      consentVersion[i] = c.version;
    }
  }

  return {
    lastHome: { id: "", index: undefined },
    partners,
    consentReasons: consentReasonsUpTo(maxVersion, policy.consentReasons),
    homeIndex,
    categoryIndex,
    partnerCount,
    categoryCount,
    consentMode,
    consentVersion,
    linkStatus,
    certifications: terms.certifications,
    modelIndex: terms.modelIndex,
    programmeIndex: terms.programmeIndex,
    certificationAt: terms.certificationAt,
  };
}
