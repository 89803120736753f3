// Which modes may a category leave in, for a partner and a home (and a model): the question the
// homeowner's page, discovery (Alexa's flags, Google's willReportState, SmartThings' devices) and a
// review's enforcement impact ask. Answered from the same gate `decideShare` passes through, never
// by deciding on made-up values.
import { DELIVERY_MODES, propertiesOfCategory, type DecisionReason, type DeliveryMode } from "@proviso/domain";
import { MODE_BIT, type CompiledPolicy, type CompiledShare } from "./compile";
import { gate, versionInForce } from "./decide";

/** What is asked: one partner, home, model and category, for a purpose, at a moment. */
export interface ModesQuery {
  partnerId: string;
  homeId: string;
  /** The device's model ("" for a question about the home alone: no model's certification counts). */
  modelKey: string;
  category: string;
  purpose: string;
  at: number;
}

/** The modes the agreement in force allows for a category, whatever any homeowner chose (what a homeowner may choose from). */
export function agreedModes(policy: CompiledPolicy, partnerId: string, category: string, at: number) {
  const version = versionInForce(policy.partners.get(partnerId), at);
  const share = version?.shares.get(category);
  if (!version || !share) return { modes: [] as DeliveryMode[], clauseKeys: [] as string[], versionId: null };
  return { modes: DELIVERY_MODES.filter((m) => share.modes & MODE_BIT[m]), clauseKeys: share.clauseKeys, versionId: version.versionId };
}

/**
 * Whether a category may leave in `mode` now, and the reasons: those that withhold it, or what
 * allows it (the clause and the consent). A clause whose minimisation drops every property of the
 * category allows nothing of it. The time since the last send (a minimum interval) is not asked:
 * it holds a message back, it does not take a mode away.
 */
export function modeReasons(policy: CompiledPolicy, q: ModesQuery, mode: DeliveryMode): { allowed: boolean; reasons: readonly DecisionReason[] } {
  const g = gate(policy, q.partnerId, q.homeId, q.modelKey, q.category, mode, q.purpose, q.at);
  if (g.withheld !== null) return { allowed: false, reasons: g.withheld };
  const share = g.share!;
  if (dropsEverything(share, q.category)) return { allowed: false, reasons: [share.nothingLeft] };
  return { allowed: true, reasons: [...share.allowed, g.consentReason!] };
}

/** The modes a category may leave in now (agreement ∧ consent ∧ link ∧ certification ∧ suspensions). */
export function allowedModes(policy: CompiledPolicy, q: ModesQuery): DeliveryMode[] {
  const out: DeliveryMode[] = [];
  for (const mode of DELIVERY_MODES) {
    const g = gate(policy, q.partnerId, q.homeId, q.modelKey, q.category, mode, q.purpose, q.at);
    if (g.withheld === null && !dropsEverything(g.share!, q.category)) out.push(mode);
  }
  return out;
}

function dropsEverything(share: CompiledShare, category: string): boolean {
  const drop = share.minimisation.dropProperties;
  if (!drop || drop.length === 0) return false;
  const properties = propertiesOfCategory(category);
  return properties.length > 0 && properties.every((p) => drop.includes(p));
}
