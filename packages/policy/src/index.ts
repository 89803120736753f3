export * from "./types";
export { REASON, WITHHOLDING_CODES, type ReasonCode } from "./reasons";
export { compileSnapshot, type CompiledPolicy } from "./compile";
export { decideShare, isDiscoverable, agreedModes, versionInForce, isCertified, hasLapsed, rateLimits, homeInputsKey, partnerStateKey } from "./decide";
export { applyMinimisation, roundTo } from "./minimise";
export { describeMode, explainForHomeowner, explainForLegal, plainAgreementSummary, type ExplainContext } from "./explain";
export { patchConsent, patchLink, withConsents, type ConsentChange } from "./patch";
