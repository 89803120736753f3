// Changing a compiled policy without compiling it afresh. `withChanges` makes a new policy from an
// old one and what changed since (the worker's snapshot kept current at any fleet size).
// `patchConsent` and `patchLink` move one through time in place, for exact replays of recorded
// history: the consent and link a decision saw at that moment (indexes must exist: compile the
// snapshot with every home, partner and category the history mentions; only for a policy no one
// else uses).
import { compileTerms, consentReasonsUpTo, putConsent, CONSENT, LINK, type CompiledPartner, type CompiledPolicy, type SnapshotTerms } from "./compile";
import type { SnapshotLink } from "./types";

export function patchConsent(
  policy: CompiledPolicy,
  c: { homeId: string; partnerId: string; category: string; mode: keyof typeof CONSENT; version: number },
): boolean {
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

/** What changed since a policy was compiled, as the worker learns it (packages/snapshot change-log.ts). */
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

  let terms: Pick<CompiledPolicy, "partners" | "categoryIndex" | "certifications" | "modelIndex" | "programmeIndex" | "certificationAt"> = policy;
  if (changes.terms) terms = compileTerms(changes.terms, { partners: policy.partners.keys(), categories: policy.categoryIndex.keys() });
  // Homes, partners and categories met for the first time take the next indexes.
  const partners = new Growing(terms.partners, (index): CompiledPartner => ({ index, versions: [], suspensions: [] }));
  const categories = new Growing(terms.categoryIndex, (index) => index);
  const homes = new Growing(policy.homeIndex, (index) => index);
  const partnerOf = (id: string) => partners.of(id).index;
  for (const home of links?.homes ?? []) homes.of(home);
  for (const l of links?.links ?? []) {
    homes.of(l.homeId);
    partnerOf(l.partnerId);
  }
  for (const c of consents) {
    homes.of(c.homeId);
    partnerOf(c.partnerId);
    categories.of(c.category);
  }

  const partnerCount = partners.map.size;
  const categoryCount = Math.max(1, categories.map.size);
  const homeCount = homes.map.size;
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
    for (const home of links.homes) linkStatus.fill(LINK.none, homes.of(home) * partnerCount, (homes.of(home) + 1) * partnerCount);
    for (const l of links.links) linkStatus[homes.of(l.homeId) * partnerCount + partnerOf(l.partnerId)] = LINK[l.status];
  }
  let maxVersion = 0;
  for (const c of consents) {
    const i = (homes.of(c.homeId) * partnerCount + partnerOf(c.partnerId)) * categoryCount + categories.of(c.category);
    if (c.version > maxVersion) maxVersion = c.version;
    putConsent(consentMode, consentVersion, i, c);
  }

  return {
    lastHome: { id: "", index: undefined },
    partners: partners.map,
    consentReasons: consentReasonsUpTo(maxVersion, policy.consentReasons),
    homeIndex: homes.map,
    categoryIndex: categories.map,
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

/** A map grown copy-on-write: `of` gives a key's value, making one from the next index for a key it lacks (the map given is copied once, first). */
class Growing<V> {
  map: Map<string, V>;

  constructor(
    private readonly original: Map<string, V>,
    private readonly make: (index: number) => V,
  ) {
    this.map = original;
  }

  of(key: string): V {
    let v = this.map.get(key);
    if (v === undefined) {
      if (this.map === this.original) this.map = new Map(this.original);
      this.map.set(key, (v = this.make(this.map.size)));
    }
    return v;
  }
}
