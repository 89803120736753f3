// Compiles a snapshot into indexed structures so that each decision is a handful of lookups:
// homes, partners and categories become small integers; consents and links live in typed arrays.
import type { DecisionReason } from "@proviso/domain";
import { compileTerms } from "./compile-terms";
import { CONSENT, freeze, LINK, type CompiledPolicy, type ConsentReasons } from "./compiled";
import { REASON } from "./reasons";
import type { PolicySnapshot } from "./types";

export { compileTerms, type CompiledTerms, type SnapshotTerms } from "./compile-terms";
export * from "./compiled";

export function compileSnapshot(snapshot: PolicySnapshot): CompiledPolicy {
  // Partners and categories known only from links and consents have indexes like any other.
  const { partners, categoryIndex, certifications, modelIndex, programmeIndex, certificationAt } = compileTerms(snapshot, {
    partners: [...snapshot.links.map((l) => l.partnerId), ...snapshot.consents.map((c) => c.partnerId)],
    categories: snapshot.consents.map((c) => c.category),
  });
  const homeIndex = new Map<string, number>();
  const homeOf = (id: string) => {
    let h = homeIndex.get(id);
    if (h === undefined) homeIndex.set(id, (h = homeIndex.size));
    return h;
  };
  for (const l of snapshot.links) homeOf(l.homeId);
  for (const c of snapshot.consents) homeOf(c.homeId);

  const partnerCount = partners.size;
  const categoryCount = Math.max(1, categoryIndex.size);
  const slots = homeIndex.size * partnerCount;
  const linkStatus = new Uint8Array(slots);
  for (const l of snapshot.links) {
    linkStatus[homeIndex.get(l.homeId)! * partnerCount + partners.get(l.partnerId)!.index] = LINK[l.status];
  }
  const consentMode = new Uint8Array(slots * categoryCount);
  const consentVersion = new Int32Array(slots * categoryCount);
  for (const c of snapshot.consents) {
    const i = (homeIndex.get(c.homeId)! * partnerCount + partners.get(c.partnerId)!.index) * categoryCount + categoryIndex.get(c.category)!;
    // The snapshot holds current consents; should it hold several, the newest version wins.
    putConsent(consentMode, consentVersion, i, c);
  }

  let maxVersion = 0;
  for (const c of snapshot.consents) if (c.version > maxVersion) maxVersion = c.version;
  const consentReasons = consentReasonsUpTo(maxVersion);

  return {
    lastHome: { id: "", index: undefined },
    partners,
    consentReasons,
    homeIndex,
    categoryIndex,
    partnerCount,
    categoryCount,
    consentMode,
    consentVersion,
    linkStatus,
    certifications,
    modelIndex,
    programmeIndex,
    certificationAt,
  };
}

/** Consent `c` in place `i` of the consent arrays, unless a newer version is there: the newest wins. */
export function putConsent(consentMode: Uint8Array, consentVersion: Int32Array, i: number, c: { mode: keyof typeof CONSENT; version: number }) {
  if (c.version >= consentVersion[i]!) {
    consentMode[i] = CONSENT[c.mode];
    consentVersion[i] = c.version;
  }
}

/**
 * Consent reasons for every version up to `maxVersion`: one frozen object per code and version,
 * `from`'s kept as they are (decisions made on it share them) and only newer ones made.
 */
export function consentReasonsUpTo(maxVersion: number, from?: ConsentReasons): ConsentReasons {
  if (from && maxVersion < from.grants.length) return from;
  const upTo = (list: readonly DecisionReason[], code: string) => [
    ...list,
    ...Array.from({ length: maxVersion + 1 - list.length }, (_, k) => freeze({ code, consentVersion: list.length + k }) as DecisionReason),
  ];
  return {
    grants: upTo(from?.grants ?? [], REASON.CONSENT_GRANTS),
    off: upTo(from?.off ?? [], REASON.CONSENT_OFF),
    onRequestOnly: upTo(from?.onRequestOnly ?? [], REASON.CONSENT_ON_REQUEST_ONLY),
  };
}
