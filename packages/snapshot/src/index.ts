export type { DeviceInfo, LinkInfo, TokenOpener, World } from "./world";
export { loadApprovedVersions, loadCertifications, loadCurrentConsents, loadPolicySnapshot, loadPolicyTerms, termsKey } from "./load-terms";
export { loadWorld, readPolicyVersion } from "./load-world";
export { applyChanges, changeLogRow, MAX_HOMES_APPLIED, type ChangeLogRow } from "./change-log";
export { WorldCache } from "./cache";
export { LayeredMap } from "./layered-map";
export { loadHomeSnapshot, type HomeSnapshot } from "./home";
