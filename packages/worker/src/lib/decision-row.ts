// A ledger row from an engine decision: the one place the three stages (change, delivery,
// request) turn a ShareDecision into what is stored.
import type { DecisionInsert } from "@proviso/audit";
import { type DeliveryMode, type DecisionStage } from "@proviso/domain";
import type { ShareDecision } from "@proviso/policy";

export type DecisionRow = DecisionInsert;

export function decisionRow(
  d: ShareDecision,
  ctx: {
    stage: DecisionStage;
    mode: DeliveryMode;
    homeId: string;
    deviceId: string;
    partnerId: string;
    linkId: string | null;
    category: string;
    observedAt: Date;
    decidedAt: Date;
    stateEventId?: number;
  },
): DecisionRow {
  return {
    stateEventId: ctx.stateEventId ?? null,
    homeId: ctx.homeId,
    deviceId: ctx.deviceId,
    partnerId: ctx.partnerId,
    linkId: ctx.linkId,
    categoryKey: ctx.category,
    mode: ctx.mode,
    stage: ctx.stage,
    outcome: d.outcome,
    // The engine's own objects, not copies: the row is written (serialised) and dropped, never changed.
    sentProperties: d.properties,
    reasons: d.reasons,
    agreementVersionId: d.agreementVersionId,
    clauseKeys: d.clauseKeys,
    consentVersion: d.consentVersion,
    observedAt: ctx.observedAt,
    decidedAt: ctx.decidedAt,
  };
}
