// Shapes stored in the ledger tables (jsonb columns) and shared by worker, engine and portal.
import type { DeliveryMode } from "./terms";

export const REPORT_CAUSES = ["physical", "app", "voice", "schedule", "periodic"] as const;
export type ReportCause = (typeof REPORT_CAUSES)[number];

/** One property of a device shadow. */
export interface ShadowProperty {
  seq: number;
  /** The device's boot (counter epoch) the seq counts in; absent: 0. */
  boot?: number;
  value: unknown;
  observedAt: string;
  cause: ReportCause;
}

/** One reason behind a decision, with a stable code and what it rests on. */
export interface DecisionReason {
  code: string;
  agreementVersionId?: string;
  clauseKey?: string;
  consentVersion?: number;
  detail?: string;
}

export type { DeliveryMode };
