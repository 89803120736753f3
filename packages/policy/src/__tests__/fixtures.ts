import type { ClauseTerms } from "@proviso/domain";
import type { PolicySnapshot, ShareRequest, SnapshotVersion } from "../types";

export const T = "user.device.sensor.temperature";
export const LOCK = "user.device.sensor.lock_state";
export const OCC = "user.device.sensor.occupancy";
export const HUM = "user.device.sensor.humidity";
export const FULFIL = "functional.service.fulfil_request";
export const ADS = "advertising_marketing";
export const DAY = 86_400_000;
export const NOW = Date.UTC(2026, 10, 24, 12);

export function share(category: string, modes: ("on_request" | "proactive")[], extra: Partial<Extract<ClauseTerms, { kind: "data_share" }>> = {}): ClauseTerms {
  return {
    kind: "data_share",
    category,
    modes,
    purposes: [FULFIL],
    retentionDays: 30,
    minimisation: {},
    optInRequired: true,
    ...extra,
  } as ClauseTerms;
}

export function version(versionId: string, clauses: [string, ClauseTerms][], opts: Partial<SnapshotVersion> = {}): SnapshotVersion {
  return {
    versionId,
    partnerId: "alexa",
    version: 1,
    effectiveFrom: NOW - 100 * DAY,
    endsAt: null,
    clauses: clauses.map(([clauseKey, terms]) => ({ clauseKey, terms })),
    ...opts,
  };
}

export function snapshot(overrides: Partial<PolicySnapshot> = {}): PolicySnapshot {
  return {
    versions: [
      version("v1", [
        ["2.1", share(T, ["on_request", "proactive"], { minimisation: { roundTo: 0.5 } })],
        ["2.6", share(LOCK, ["on_request"])],
      ]),
    ],
    consents: [
      { homeId: "h1", partnerId: "alexa", category: T, mode: "proactive", version: 3 },
      { homeId: "h1", partnerId: "alexa", category: LOCK, mode: "on_request", version: 1 },
    ],
    links: [{ homeId: "h1", partnerId: "alexa", status: "active" }],
    certifications: [],
    ...overrides,
  };
}

export function request(overrides: Partial<ShareRequest> = {}): ShareRequest {
  return {
    partnerId: "alexa",
    homeId: "h1",
    modelKey: "proviso-t1",
    category: T,
    mode: "proactive",
    purpose: FULFIL,
    at: NOW,
    properties: { temperature: 21.5 },
    lastSentAt: null,
    ...overrides,
  };
}
