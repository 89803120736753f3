export { parseStateReport, type ParseResult, type Rejection, type RejectCode } from "./validate";
export { ingestReports, type IncomingReport, type IngestResult, type OutboxPayload, type LastSent } from "./ingest";
export { deliverDue, claimDue, RateLimiter, type DeliveryDeps, type DeliveryResult } from "./delivery";
export { buildWireRequest, sandboxEndpoints, bearerFor, type PartnerEndpoints } from "./partner-endpoints";
export { loadWorld, WorldCache, readPolicyVersion, type World, type DeviceInfo, type LinkInfo } from "./world";
export { IngestBuffer, type IngestBufferOptions } from "./ingest-buffer";
export { MqttConsumer, type ConsumedMessage, type ConsumerOptions } from "./mqtt-consumer";
export { answerAlexaDirective, answerGoogleIntent, linkForToken, PartnerRequestError } from "./partner-requests";
export { detectConnectivity } from "./connectivity";
