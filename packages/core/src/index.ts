export { AppError, type AppErrorCode } from "./errors";
export { getHomeOverviewForUser } from "./homes/get-home-overview";
export { listPartnerSummaries } from "./partners/list-partner-summaries";
export { listReviewQueue } from "./agreements/list-review-queue";
export { getPartnerOverview } from "./partner-portal/get-partner-overview";
export { recordHeartbeats, isDeviceId, listFleet } from "./devices/record-heartbeats";
