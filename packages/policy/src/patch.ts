// Moving a compiled snapshot through time, for exact replays of recorded history: the consent and
// link a decision saw at that moment, set in place (indexes must exist: compile the snapshot with
// every home, partner and category the history mentions). Only for a snapshot no one else uses.
import { CONSENT, LINK, type CompiledPolicy } from "./compile";

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
