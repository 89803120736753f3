export * from "./types";
export { REASON, WITHHOLDING_CODES, type ReasonCode } from "./reasons";
export { compileSnapshot, type CompiledPolicy, type SnapshotTerms } from "./compile";
export { decideShare, isDiscoverable, versionInForce, isCertified, hasLapsed, rateLimits, homeInputsKey, partnerStateKey } from "./decide";
export { agreedModes, allowedModes, modeReasons, type ModesQuery } from "./modes";
export { applyMinimisation, roundTo } from "./minimise";
export { describeMode, explainForHomeowner, explainForLegal, plainAgreementSummary, type ExplainContext } from "./explain";
export { patchConsent, patchLink, withChanges, type ConsentChange, type PolicyChanges } from "./patch";
