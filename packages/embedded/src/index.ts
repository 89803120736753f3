export { startEmbeddedPostgres, EmbeddedStartError, oneLine, type EmbeddedPostgres } from "./pglite-server";
export { startEmbeddedBroker, topicMatches, type EmbeddedBroker } from "./mqtt-broker";
