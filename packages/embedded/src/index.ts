export { startEmbeddedPostgres, EmbeddedStartError, oneLine, type EmbeddedPostgres } from "./pglite-server";
export { startEmbeddedBroker, type EmbeddedBroker } from "./mqtt-broker";
