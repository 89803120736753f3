export { AppError, type AppErrorCode } from "./errors";
export { getHomeOverviewForUser } from "./homes/get-home-overview";
export { listPartnerSummaries } from "./partners/list-partner-summaries";
export { listReviewQueue } from "./agreements/list-review-queue";
export { getPartnerOverview } from "./partner-portal/get-partner-overview";
export { recordHeartbeats, isDeviceId } from "./devices/record-heartbeats";
export { clauseInputSchema, draftInputSchema, fieldErrorsOf, type ClauseInput, type DraftInput } from "./agreements/schemas";
export { createDraftVersion, saveDraftVersion, submitVersionForReview } from "./agreements/draft-versions";
export { decideVersionReview } from "./agreements/review-versions";
export { activateDueVersions, terminateVersion, type ScheduleResult } from "./agreements/version-schedule";
export { listAgreements, getVersionDocument, readClauses, type VersionSummary } from "./agreements/read-versions";
export { computeRedline, diffTerms, type ClauseView, type RedlineEntry, type TermChange } from "./agreements/redline";
export { computeEnforcementImpact, type EnforcementImpact, type ImpactRow } from "./agreements/enforcement-impact";
export { getVersionReview } from "./agreements/get-version-review";
export { renderVersionPdf } from "./agreements/version-pdf";
export { createTokenCipher, generateTokenKey, type TokenCipher } from "./security/token-cipher";
export { getHomeSharing, setHomeConsent, assertMember } from "./homes/home-sharing";
export { getHomeLedger, getHomeShareChart, type LedgerFilter, type LedgerCursor } from "./homes/home-ledger";
export { unlinkPartner, unlinkByPlatform, listDeletionRequests } from "./homes/unlink-partner";
export { listLinkablePlatforms } from "./homes/linkable-platforms";
export { exportHomeData, ledgerCsv } from "./homes/export-home-data";
export { getDecisionReport, parsePeriod, reportCsv, type DecisionReport, type ReportPeriod } from "./evidence/decision-report";
export { pct, renderReportPdf } from "./evidence/report-pdf";
export { wasShared, type WasSharedAnswer, type WasSharedQuery } from "./evidence/was-shared";
export {
  claimVerification,
  latestVerification,
  listAuditEntries,
  listCheckpoints,
  requestVerification,
  runVerification,
  signCheckpointNow,
  raiseIntegrityAlert,
  listIntegrityAlerts,
} from "./evidence/audit-log";
export { answerDemand, demandAnswerSchema, demandInputSchema, fileDemand, listDemands, type DemandInput } from "./leverage/demands";
export {
  certificationUpdateSchema,
  findConflicts,
  listAlerts,
  listCertifications,
  listingsAtRisk,
  listingUpdateSchema,
  listListings,
  raiseDueAlerts,
  updateCertification,
  updateListing,
  type Conflict,
} from "./leverage/leverage";
export { claimReplayJob, latestReplay, requestReplay, runReplayJob, type ReplayResult, type ReplayRow } from "./leverage/what-if";
export { getDeliveryHealth } from "./leverage/delivery-health";
export { draftForDemand, getPartnerLeverage, getPartnerStats } from "./leverage/partner-views";
export {
  activeDeviceKeyIds,
  authenticateBearer,
  DEFAULT_GRACE_SECONDS,
  issueDeviceCredential,
  issueFleetCredentials,
  issueIngestClient,
  revokeDeviceCredentials,
  revokeIngestClient,
  rotateDeviceCredential,
  type BrokerGrants,
  type DeviceCredential,
  type IssuedCredential,
  type Speaker,
} from "./devices/credentials";
export * from "./linking";
export { confirmDeletion, deletionSummary, listPartnerDeletionRequests, markOverdueDeletions } from "./partners/deletion-requests";
export {
  activeSigningSecrets,
  DEFAULT_SIGNING_OVERLAP_HOURS,
  listSigningSecrets,
  retirePreviousSigningSecrets,
  rotateSigningSecret,
  type RotatedSecret,
} from "./partners/signing-secrets";
export { confirmDeletionByPartner, isDeletionStatus, partnerCaller, partnerDeletionRequests, type PartnerCaller } from "./partners/partner-api";
