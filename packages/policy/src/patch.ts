// Moving a compiled snapshot through time, for exact replays of recorded history: the consent and
// link a decision saw at that moment, set in place (indexes must exist: compile the snapshot with
// every home, partner and category the history mentions). Only for a snapshot no one else uses.
import type { DecisionReason } from "@proviso/domain";
import { CONSENT, LINK, type CompiledPolicy } from "./compile";
import { REASON } from "./reasons";

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

/**
 * A new compiled policy: `policy` with these consents in force (for each home, partner and
 * category the newest version wins, as when compiling), the original left as it was, so decisions
 * under way on it are undisturbed. Copies only the consent arrays. Null when a consent names a home,
 * partner or category the compiled policy has no place for: then compile afresh.
 */
export function withConsents(policy: CompiledPolicy, consents: readonly ConsentChange[]): CompiledPolicy | null {
  const consentMode = policy.consentMode.slice();
  const consentVersion = policy.consentVersion.slice();
  let maxVersion = policy.consentReasons.grants.length - 1;
  for (const c of consents) {
    const home = policy.homeIndex.get(c.homeId);
    const partner = policy.partners.get(c.partnerId);
    const category = policy.categoryIndex.get(c.category);
    if (home === undefined || partner === undefined || category === undefined) return null;
    if (!Number.isInteger(c.version) || c.version < 1 || CONSENT[c.mode] === undefined) return null;
    if (c.version > maxVersion) maxVersion = c.version;
    const i = (home * policy.partnerCount + partner.index) * policy.categoryCount + category;
    if (c.version >= consentVersion[i]!) {
      consentMode[i] = CONSENT[c.mode];
      consentVersion[i] = c.version;
    }
  }
  // A version newer than any compiled has its reasons made as compiling makes them (one frozen
  // object per code and version).
  let consentReasons = policy.consentReasons;
  if (maxVersion >= consentReasons.grants.length) {
    const upTo = (list: DecisionReason[], code: string) => [
      ...list,
      ...Array.from({ length: maxVersion + 1 - list.length }, (_, k) => Object.freeze({ code, consentVersion: list.length + k }) as DecisionReason),
    ];
    consentReasons = {
      grants: upTo(consentReasons.grants, REASON.CONSENT_GRANTS),
      off: upTo(consentReasons.off, REASON.CONSENT_OFF),
      onRequestOnly: upTo(consentReasons.onRequestOnly, REASON.CONSENT_ON_REQUEST_ONLY),
    };
  }
  return { ...policy, consentMode, consentVersion, consentReasons, lastHome: { id: "", index: undefined } };
}
