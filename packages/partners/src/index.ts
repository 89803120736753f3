export * from "./types";
export * as alexa from "./alexa/messages";
export { toAlexaProperties, alexaTime, type AlexaProperty } from "./alexa/properties";
export * as google from "./google/messages";
export * as webhook from "./webhook/messages";
export { classifyResponse, backoffDelay, parseRetryAfter, DEFAULT_RETRY, PLATFORM_REQUESTS_PER_MINUTE, type DeliveryOutcome, type RetryPolicy } from "./delivery";
export { createMessageChecker, requireVendorDir, VENDOR_DIR, type MessageCheck } from "./conformance";
