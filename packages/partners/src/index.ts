export * from "./types";
export {
  PartnerRequestError,
  type AnnouncedVia,
  type DeletionNotice,
  type InboundRequest,
  type PartnerAdapter,
  type Platform,
  type StateSend,
} from "./adapter";
export { createAdapters, platformSettingsErrors, PLATFORMS, type Adapters } from "./registry";
export { bearerFor } from "./account-token";
export * as alexa from "./alexa/messages";
export { toAlexaProperties, alexaTime, type AlexaProperty } from "./alexa/properties";
export * as google from "./google/messages";
export { requestSyncBeside } from "./google";
export * as smartthings from "./smartthings/messages";
export * as webhook from "./webhook/messages";
export { classifyResponse, backoffDelay, parseRetryAfter, DEFAULT_RETRY, type DeliveryOutcome, type RetryPolicy } from "./answers";
export { createMessageChecker, requireVendorDir, VENDOR_DIR, type MessageCheck } from "./conformance";
